"""The recognisers the product ships with. They are installed as rows (editable in admin) by
``rules_install_defaults``; a seller extends them there, without a code change."""

# (name, platform, language, field, pattern, message_kind, priority)
RECOGNITION_RULES = [
    # Amazon's notification-type header is the most reliable signal where present.
    ("Amazon: buyer message (header)", "amazon", "", "notification_type",
     r"^BBC_MESSAGE_SENT_TO_MERCHANT$", "buyer_message", 10),
    ("Amazon: reply sent in Seller Central (header)", "amazon", "", "notification_type",
     r"^BBC_MESSAGE_CONFIRMATION_TO_MERCHANT$", "reply_confirmation", 10),
    ("Amazon: return request (header)", "amazon", "", "notification_type",
     r"^RETURN_REQUEST", "return_request", 10),
    ("Amazon: A-to-z claim (header)", "amazon", "", "notification_type",
     r"^A_Z_CLAIM", "claim", 10),
    ("Amazon: cancellation request (header)", "amazon", "", "notification_type",
     r"^BRC_SELLER_NOTIFICATION$", "cancellation", 10),
    ("Amazon: buyer opted out (header)", "amazon", "", "notification_type",
     r"^BUYER_OPTED_OUT", "opt_out", 10),
    ("Amazon: refund issued (header)", "amazon", "", "notification_type",
     r"^REFUND_ISSUED$", "notice", 10),
    ("Amazon: chargeback (header)", "amazon", "", "notification_type",
     r"CHARGEBACK", "chargeback", 10),
    ("Amazon: negative feedback (header)", "amazon", "", "notification_type",
     r"FEEDBACK", "feedback", 10),
    # System senders.
    ("Amazon: chargeback sender", "amazon", "", "from",
     r"^cb-seller-notification@amazon\.", "chargeback", 20),
    ("Amazon: A-to-z claim sender", "amazon", "", "from",
     r"^(atoz-guarantee-no-reply|seller-guarantee)@amazon\.", "claim", 20),
    ("Amazon: opt-out and delivery failures", "amazon", "", "from",
     r"^auto-communication@amazon\.", "opt_out", 30),
    # Subjects, per language.
    ("Amazon: return request subject (en)", "amazon", "en", "subject",
     r"return authori[sz]ation request|return request for order", "return_request", 40),
    ("Amazon: return request subject (de)", "amazon", "de", "subject",
     r"rücksendeanfrage|rücksendegenehmigung|anfrage zur rücksendung", "return_request", 40),
    ("Amazon: return request subject (fr)", "amazon", "fr", "subject",
     r"demande (de retour|d'autorisation de retour)", "return_request", 40),
    ("Amazon: return request subject (it)", "amazon", "it", "subject",
     r"richiesta di (reso|autorizzazione al reso)", "return_request", 40),
    ("Amazon: return request subject (es)", "amazon", "es", "subject",
     r"solicitud de (devolución|autorización de devolución)", "return_request", 40),
    ("Amazon: return request subject (ja)", "amazon", "ja", "subject",
     r"返品リクエスト|返品依頼", "return_request", 40),
    ("Amazon: claim subject (en)", "amazon", "en", "subject",
     r"claim (received|decision|filed) on order|a-to-z (guarantee )?claim", "claim", 40),
    ("Amazon: claim subject (de)", "amazon", "de", "subject",
     r"a-bis-z|garantieantrag|antrag auf erstattung", "claim", 40),
    ("Amazon: claim subject (fr)", "amazon", "fr", "subject",
     r"garantie (de )?a (à|a) z|réclamation (reçue|déposée|ouverte)"
     r"|décision (relative à|concernant|sur) (la|votre) réclamation", "claim", 40),
    ("Amazon: claim subject (it)", "amazon", "it", "subject",
     r"garanzia dalla a alla z|reclamo (ricevuto|presentato|aperto)"
     r"|decisione (sul|relativa al) reclamo", "claim", 40),
    ("Amazon: claim subject (es)", "amazon", "es", "subject",
     r"garantía de la a a la z|reclamación (recibida|presentada|abierta)"
     r"|decisión (sobre|de) la reclamación", "claim", 40),
    ("Amazon: claim subject (ja)", "amazon", "ja", "subject",
     r"マーケットプレイス保証|aからzまで保証|a-z保証", "claim", 40),
    ("Amazon: chargeback subject", "amazon", "", "subject",
     r"chargeback|rückbuchung|rétrofacturation|contestazione di addebito|contracargo"
     r"|チャージバック", "chargeback", 40),
    ("Amazon: cancellation subject (en)", "amazon", "en", "subject",
     r"order cancell?ation request", "cancellation", 40),
    ("Amazon: cancellation subject (de)", "amazon", "de", "subject",
     r"stornierungsanfrage|stornierung(santrag| der bestellung)", "cancellation", 40),
    ("Amazon: cancellation subject (fr, it, es)", "amazon", "", "subject",
     r"demande d'annulation|richiesta di cancellazione|solicitud de cancelación", "cancellation",
     40),
    ("Amazon: cancellation subject (ja)", "amazon", "ja", "subject",
     r"キャンセル(リクエスト|依頼|のリクエスト)", "cancellation", 40),
    ("Amazon: negative feedback subject", "amazon", "", "subject",
     r"negative feedback|negatives feedback|negative bewertung|commentaire négatif"
     r"|évaluation négative|feedback negativo|valutazione negativa|valoración negativa"
     r"|comentario negativo|低い評価|否定的な評価|ネガティブな?評価|悪い評価", "feedback", 40),
    ("Amazon: reply confirmation subject", "amazon", "", "subject",
     r"^(your (message|e-?mail) to|ihre (nachricht|e-?mail) an|votre (message|e-?mail|courriel) à"
     r"|il tuo messaggio a|la tua e-?mail a|tu (mensaje|correo electrónico|e-?mail) a)\b",
     "reply_confirmation", 45),
    ("Amazon: refund notice subject", "amazon", "", "subject",
     r"refund (initiated|issued)|erstattung (veranlasst|eingeleitet)|remboursement (initié|effectué)"
     r"|rimborso (avviato|emesso)|reembolso (iniciado|emitido)|返金(のお知らせ|を(開始|完了))",
     "notice", 45),
    # Before the notification header: a buyer's out-of-office is relayed as a buyer message.
    ("Auto-reply subject", "", "", "subject",
     r"^(auto(matic)? ?reply|automatische antwort|out of (the )?office|abwesenheitsnotiz"
     r"|réponse automatique|risposta automatica|respuesta automática|不在|自動応答|自動返信)",
     "auto_reply", 5),
    # Localised inquiry subjects: they tell the buyer's language where markers cannot
    # (Amazon.ca's bilingual template).
    ("Amazon: inquiry subject (en)", "amazon", "en", "subject",
     r"inquiry from amazon customer", "buyer_message", 85),
    ("Amazon: inquiry subject (fr)", "amazon", "fr", "subject",
     r"(de la part )?du client amazon|demande de renseignements", "buyer_message", 85),
    ("Amazon: inquiry subject (de)", "amazon", "de", "subject",
     r"von amazon-kunde|von amazon-kundin", "buyer_message", 85),
    ("Amazon: inquiry subject (it)", "amazon", "it", "subject",
     r"messaggio dall'acquirente|dal cliente amazon", "buyer_message", 85),
    ("Amazon: inquiry subject (es)", "amazon", "es", "subject",
     r"del cliente de amazon|consulta del cliente", "buyer_message", 85),
    # Relay aliases: whatever a buyer writes through the marketplace.
    ("Amazon buyer relay", "amazon", "", "from",
     r"@marketplace\.amazon\.", "buyer_message", 90),
    ("Kaufland buyer relay", "kaufland", "", "from",
     r"@(kunde\.|customer\.|buyer\.)?kaufland", "buyer_message", 90),
    ("Amazon system notice", "amazon", "", "from",
     r"@amazon\.[a-z.]+$", "notice", 95),
]

# (platform, language, begin line, end line)
BODY_MARKERS = [
    ("amazon", "en", r"^-{10,}\s*begin message\s*-{10,}$", r"^-{10,}\s*end message\s*-{10,}$"),
    ("amazon", "en", r"^-{10,}\s*message:\s*-{10,}$", r"^-{10,}\s*(end message)?\s*-{10,}$"),
    ("amazon", "de", r"^-{10,}\s*anfang der nachricht\s*-{10,}$",
     r"^-{10,}\s*ende der nachricht\s*-{10,}$"),
    ("amazon", "de", r"^-{10,}\s*nachricht:\s*-{10,}$", r"^-{10,}\s*-{0,}$"),
    ("amazon", "fr", r"^-{10,}\s*début du message\s*-{10,}$",
     r"^-{10,}\s*fin du message\s*-{10,}$"),
    ("amazon", "it", r"^-{10,}\s*inizio messaggio\s*-{10,}$",
     r"^-{10,}\s*fine messaggio\s*-{10,}$"),
    ("amazon", "es", r"^-{10,}\s*iniciar mensaje\s*-{10,}$",
     r"^-{10,}\s*finalizar mensaje\s*-{10,}$"),
    ("amazon", "ja", r"^-{5,}\s*メッセージはここから\s*-{5,}$", r"^-{5,}\s*メッセージはここまで\s*-{5,}$"),
    # Amazon.ca writes both languages on one line; the language comes from the subject.
    ("amazon", "", r"^-{10,}\s*begin message\s*/\s*début du message\s*-{10,}$",
     r"^-{10,}\s*end message\s*/\s*fin du message\s*-{10,}$"),
    ("kaufland", "de", r"^-{10,}\s*nachricht des kunden\s*-{10,}$",
     r"^-{10,}\s*ende der nachricht\s*-{10,}$"),
]

ORDER_ID_PATTERN = r"(?<![0-9A-Za-z])(?P<value>\d{3}-\d{7}-\d{7})(?![0-9A-Za-z])"

# (platform, what, field, pattern, priority)
EXTRACTION_PATTERNS = [
    # Not \b: Japanese writes the ID straight after a word (注文番号302-…の商品), and a kanji
    # is a word character as much as a digit is.
    ("amazon", "order_id", "subject", ORDER_ID_PATTERN, 10),
    ("amazon", "order_id", "body", ORDER_ID_PATTERN, 20),
    # Kaufland order numbers are upper-case letters and digits (e.g. MK4TQ9Z).
    ("kaufland", "order_id", "subject",
     r"(?:bestellung|bestellnummer|order)\s*(?:nr\.?|#|:)?\s*(?P<value>(?-i:[0-9A-Z]{6,12}))\b", 10),
    ("kaufland", "order_id", "body",
     r"(?:bestellung|bestellnummer|order)\s*(?:nr\.?|#|:)?\s*(?P<value>(?-i:[0-9A-Z]{6,12}))\b", 20),
    ("", "asin", "body", r"ASIN:?\s*(?P<value>B0[0-9A-Z]{8})\b", 10),
    ("", "asin", "body", r"(?P<value>\bB0[0-9A-Z]{8}\b)", 20),
    ("amazon", "item_title", "body", r"^\s*\d+\s+(of|x|von|de|di|×)\s+(?P<value>.+?)\s*\[ASIN", 10),
    ("amazon", "item_title", "body", r"^\s*(item|artikel|article|articolo|artículo):\s*(?P<value>.+)$", 20),
    ("amazon", "buyer_name", "from_name",
     r"^(?P<value>.+?)\s+-\s+(amazon\s+marketplace|amazon)$", 10),
    ("amazon", "buyer_name", "subject",
     r"(customer|kunde|kundin|client|cliente|acquirente)\s+(?P<value>[^()]+?)\s*\((order|bestellung|commande|ordine|pedido)", 20),
    ("kaufland", "buyer_name", "from_name", r"^(?P<value>.+?)(\s+(über|via|-)\s+kaufland.*)?$", 10),
    # A message the buyer opted out of names them: "Your message to Megan Lowe was not delivered".
    ("amazon", "buyer_name", "subject",
     r"^(your message to|ihre nachricht an)\s+(?P<value>.+?)\s+(was not delivered|wurde nicht zugestellt)", 30),
]
