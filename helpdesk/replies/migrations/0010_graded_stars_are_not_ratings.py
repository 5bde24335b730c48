"""A star that is a grade the thing sold has from someone else is not a rating asked for:
"5-star energy rating", "five-star safety rating", "5 star hotel towels", "5 Sterne Hotel",
"qualité hôtel 5 étoiles", "hotel a 5 stelle", "hotel de 5 estrellas" no longer block a reply.
Rules still exactly as 0009 left them are brought up to the new patterns; rules an admin
changed are left alone."""

from django.db import migrations

# The rules as 0009 left them (frozen here: the live module moves on).
SHIPPED_BEFORE = {
    'Positive review or feedback asked for, or a change to one (en)': {"patterns": [
        '\\b(?:positive|good|great|glowing|excellent|favou?rable|perfect|top)\\s+(?:review|feedback|rating|testimonial)s?\\b',
        '\\b(?:5|five)[\\s-]*stars?[\\s-]*(?:review|feedback|rating|testimonial)s?\\b',
        '\\b(?:5|five)[\\s-]*(?:stars?(?![\\w-]|\\s+shaped?\\b)|★)|★{3,}',
        '\\b(?:remov|delet|chang|updat|revis|withdraw|reconsider|edit|amend|retract|tak\\w*\\s+down)\\w*\\s+(?:your|the|this|that|my|its)?\\s*(?:[\\w-]+\\s+){0,2}?(?:review|feedback|rating|testimonial)s?\\b',
        '\\b(?:review|feedback|rating|testimonial)s?\\b[^.!?;,\\n]{0,25}\\b(?:positive|glowing|favou?rable)\\b',
    ]},
    'Positive review or feedback asked for, or a change to one (de)': {"patterns": [
        '\\b(?:positiv|gut|toll|hervorragend|ausgezeichnet|super|top|beste)\\w*[\\s-]+(?:bewert|rezension|kundenrezension|beurteil|feedback)\\w*',
        '\\b(?:5|funf)[\\s-]*stern\\w*[\\s-]*(?:bewert|rezension|kundenrezension|beurteil|feedback)\\w*',
        '\\b(?:5|funf)[\\s-]*(?:stern(?:e|en|chen)?(?![\\w-])|★)|★{3,}',
        '\\b(?:bewert|rezension|kundenrezension|beurteil|feedback)\\w*\\b[^.!?;,\\n]{0,40}\\b(?:entfern\\w*|losch\\w*|andern|anderung\\w*|geandert|abander\\w*|zuruckzieh\\w*|zuruckzuziehen|zurucknehm\\w*|anpass\\w*|uberarbeit\\w*|korrigier\\w*|aktualisier\\w*|revidier\\w*)\\b',
        '\\b(?:entfern\\w*|losch\\w*|andern|anderung\\w*|geandert|abander\\w*|zuruckzieh\\w*|zuruckzuziehen|zurucknehm\\w*|anpass\\w*|uberarbeit\\w*|korrigier\\w*|aktualisier\\w*|revidier\\w*)\\s+sie\\s+(?:\\w+\\s+){0,2}(?:bewert|rezension|kundenrezension|beurteil|feedback)\\w*',
        '\\bbewert\\w*\\s+sie\\s+(?:uns|\\w+)?\\s*(?:bitte\\s+)?(?:positiv|gut|mit (?:5|funf))',
    ]},
    'Positive review or feedback asked for, or a change to one (fr)': {"patterns": [
        '\\b(?:avis|evaluation\\w*|commentaire\\w*|note|feedback)\\s+(?:tres\\s+)?(?:positi\\w*|favorable\\w*|excellent\\w*|(?:a\\s+)?(?:5|cinq)\\s*etoile\\w*)',
        '\\b(?:bon|bonne|excellent\\w*|positi\\w*|meilleur\\w*)\\s+(?:avis|evaluation\\w*|commentaire\\w*|critique\\w*|note|notes|feedback)\\b',
        '\\b(?:5|cinq)[\\s-]*(?:etoile|★)\\w*|★{3,}',
        '\\b(?:supprim|retir|modifi|chang|revis|reconsider|enlev|effac|corrig)\\w*\\s+(?:\\w+\\s+){0,3}?(?:avis|evaluation\\w*|commentaire\\w*|critique\\w*|note|notes|feedback)\\b',
        '\\b(?:mett\\w*|mis)\\s+a\\s+jour\\s+(?:\\w+\\s+){0,2}?(?:avis|evaluation\\w*|commentaire\\w*|critique\\w*|note|notes|feedback)\\b',
        '\\b(?:avis|evaluation\\w*|commentaire\\w*)\\b[^.!?;,\\n]{0,30}\\b(?:supprim|retir|modifi|enlev|effac)\\w*',
    ]},
    'Positive review or feedback asked for, or a change to one (it)': {"patterns": [
        '\\b(?:recension\\w*|valutazion\\w*|feedback|giudizi\\w*)\\s+(?:molto\\s+)?(?:positiv\\w*|favorevol\\w*|ottim\\w*|eccellent\\w*|(?:a\\s+|da\\s+)?(?:5|cinque)\\s*stell\\w*)',
        '\\b(?:buon\\w*|ottim\\w*|positiv\\w*|bell\\w*)\\s+(?:recension\\w*|valutazion\\w*|feedback|giudizi\\w*)',
        '\\b(?:5|cinque)[\\s-]*(?:stell|★)\\w*|★{3,}',
        '\\b(?:rimuov|rimozion|cancell|elimin|modific|cambi|aggiorn|ritir|rived|corregg)\\w*\\s+(?:\\w+\\s+){0,3}?(?:recension\\w*|valutazion\\w*|feedback|giudizi\\w*)\\b',
        '\\b(?:recension\\w*|valutazion\\w*|feedback|giudizi\\w*)\\b[^.!?;,\\n]{0,30}\\b(?:rimuov|cancell|elimin|modific|ritir)\\w*',
    ]},
    'Positive review or feedback asked for, or a change to one (es)': {"patterns": [
        '\\b(?:resen\\w*|valoracion\\w*|opinion\\w*|calificacion\\w*|comentario\\w*|puntuacion\\w*|feedback)\\s+(?:muy\\s+)?(?:positiv\\w*|favorable\\w*|excelente\\w*|(?:de\\s+)?(?:5|cinco)\\s*estrella\\w*)',
        '\\b(?:buen\\w*|excelente|positiv\\w*|mejor)\\s+(?:resen\\w*|valoracion\\w*|opinion\\w*|calificacion\\w*|comentario\\w*|puntuacion\\w*|feedback)',
        '\\b(?:5|cinco)[\\s-]*(?:estrella|★)\\w*|★{3,}',
        '\\b(?:elimin|borr|quit|retir|cambi|modific|actualiz|revis|reconsider|correg)\\w*\\s+(?:\\w+\\s+){0,3}?(?:resen\\w*|valoracion\\w*|opinion\\w*|calificacion\\w*|comentario\\w*|puntuacion\\w*|feedback)',
        '\\b(?:resen\\w*|valoracion\\w*|opinion\\w*|calificacion\\w*|comentario\\w*|puntuacion\\w*|feedback)[^.!?;,\\n]{0,30}\\b(?:elimin|borr|quit|retir|modific)\\w*',
    ]},
}


def install(apps, schema_editor):
    from helpdesk.replies.starter_rules import rules_install

    rules_install(apps, shipped_before=SHIPPED_BEFORE)


class Migration(migrations.Migration):
    dependencies = [("replies", "0009_top_score_asked_for")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
