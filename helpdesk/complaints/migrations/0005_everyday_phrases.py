"""Everyday ways buyers say what is wrong, in every shipped language ("n'est jamais arrivé",
"no me ha llegado", "届いていません", "non si accende", "Quiero devolverlo"), added to the
shipped rules: such mail was counted as "Other". A rule an admin changed since it was shipped
is left alone."""

from django.db import migrations

# (category, language) → the keywords this migration adds, frozen here (the live module moves on).
ADDED = {
    ("late_missing_delivery", "en"): [
        "didn't arrive", "did not arrive", "didn't receive", "did not receive",
        "not delivered", "never came"],
    ("late_missing_delivery", "de"): [
        "noch nicht da", "nicht geliefert", "nicht zugestellt", "noch nicht geliefert"],
    ("late_missing_delivery", "fr"): [
        "jamais arrivé", "pas encore reçu", "pas encore arrivé", "toujours pas reçu"],
    ("late_missing_delivery", "it"): [
        "mai arrivato", "mai arrivata", "ancora arrivato", "ancora arrivata",
        "non ho ancora ricevuto", "mai ricevuta"],
    ("late_missing_delivery", "es"): [
        "nunca llegó", "nunca ha llegado", "no me ha llegado", "no me llegó",
        "todavía no ha llegado"],
    ("late_missing_delivery", "ja"): [
        "届いていません", "届いてない", "到着していません", "まだ到着"],
    ("not_as_described", "de"): [
        "farbe stimmt nicht", "größe stimmt nicht", "passt nicht"],
    ("not_as_described", "fr"): [
        "pas la bonne taille", "pas la bonne couleur", "pas le bon article",
        "pas le bon modèle"],
    ("not_as_described", "it"): [
        "taglia è sbagliata", "colore è sbagliato", "misura sbagliata", "colore diverso"],
    ("not_as_described", "es"): [
        "talla incorrecta", "talla es incorrecta", "color incorrecto", "no es el de la foto",
        "no es como en la foto", "diferente a la foto", "distinto a la foto"],
    ("not_as_described", "ja"): [
        "サイズが合いません", "サイズが合っていない", "サイズが合っていません"],
    ("quality_defect", "en"): [
        "won't turn on", "doesn't turn on", "does not turn on", "no longer works"],
    ("quality_defect", "de"): [
        "lässt sich nicht einschalten", "geht nicht an", "nicht einschalten"],
    ("quality_defect", "fr"): [
        "fêlé*", "fêlure", "ne s'allume pas", "ne fonctionne plus", "ne marche plus",
        "en panne"],
    ("quality_defect", "it"): [
        "non si accende", "non funziona più", "guasto", "si è rotto", "si è rotta"],
    ("quality_defect", "es"): [
        "no enciende", "no se enciende", "se ha roto", "se rompió", "averiad*"],
    ("quality_defect", "ja"): [
        "電源が入らない", "電源が入りません", "起動しない", "起動しません", "動きません"],
    ("damaged_in_transit", "ja"): ["へこんで", "凹んで"],
    ("return_refund", "de"): ["zurückgeben", "zurückzugeben", "zurückgegeben"],
    ("return_refund", "it"): ["restituir*", "rimbors*"],
    ("return_refund", "es"): ["devolver*", "devuelv*", "reembols*"],
}


def forward(apps, schema_editor):
    from helpdesk.complaints.defaults import KEYWORDS

    rule_model = apps.get_model("complaints", "ComplaintRule")
    for (code, language), added in ADDED.items():
        shipped = [word.strip() for word in KEYWORDS[code][language].split("|")]
        before = [word for word in shipped if word not in added]
        for rule in rule_model.objects.filter(category__code=code, language=language):
            if rule.keywords.splitlines() == before:
                rule.keywords = "\n".join(before + added)
                rule.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("complaints", "0004_japanese_rules_and_damaged")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
