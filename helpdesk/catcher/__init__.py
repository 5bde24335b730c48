"""The development mail catcher's page: mail that ``make run`` sent, read back from the
Maildir its SMTP catcher writes (``MAIL_CATCHER_DIR``). Staff only, and only with DEBUG."""
