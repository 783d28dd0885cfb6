"""The platform's standard message templates (editable in the admin)."""

from django.db import migrations

TEMPLATES = [
    (
        "urgent",
        "Burglars active / Cambrioleurs actifs",
        {
            "nl": {
                "sms": "BIN: inbrekers actief in de buurt. Doe de lichten aan, sluit deuren en ramen. Verdacht? Bel 101 (nood: 112).",
                "subject": "Dringend: inbrekers actief in de buurt",
                "body": "De politie meldt inbraken in de buurt. Doe de lichten aan, sluit deuren en ramen en let op verdachte personen of voertuigen. Zie u iets verdachts? Bel meteen 101, bij nood 112. Ga zelf niet achter verdachten aan.",
            },
            "fr": {
                "sms": "RIQ: cambrioleurs actifs dans le quartier. Allumez, fermez portes et fenetres. Suspect ? Appelez le 101 (urgence: 112).",
                "subject": "Urgent : cambrioleurs actifs dans le quartier",
                "body": "La police signale des cambriolages dans le quartier. Allumez les lumières, fermez portes et fenêtres et soyez attentifs aux personnes ou véhicules suspects. Vous voyez quelque chose de suspect ? Appelez immédiatement le 101, en cas d'urgence le 112. Ne poursuivez jamais vous-même des suspects.",
            },
        },
    ),
    (
        "prevention",
        "Holiday / Vacances",
        {
            "nl": {
                "sms": "BIN-tip: op vakantie? Laat uw woning bewoond lijken (tijdschakelaar, post laten ophalen) en vraag gratis woningtoezicht aan bij de politie.",
                "subject": "Preventietip: veilig op vakantie",
                "body": "Geef uw woning een bewoonde indruk: gebruik tijdschakelaars, laat de brievenbus leegmaken en zet geen afwezigheid op sociale media. Vraag gratis afwezigheidstoezicht aan bij uw lokale politie.",
            },
            "fr": {
                "sms": "Conseil RIQ: en vacances ? Donnez a votre maison un air habite (minuterie, courrier releve) et demandez la surveillance gratuite a la police.",
                "subject": "Conseil de prévention : partir en vacances en sécurité",
                "body": "Donnez à votre habitation un air habité : minuteries, boîte aux lettres vidée, pas d'annonce d'absence sur les réseaux sociaux. Demandez la surveillance gratuite pendant votre absence à votre police locale.",
            },
        },
    ),
    (
        "prevention",
        "Phone fraud / Fraude téléphonique",
        {
            "nl": {
                "sms": "BIN-tip: de politie of uw bank vraagt nooit uw pincode, kaart of codes via telefoon of sms. Twijfel? Haak in en bel zelf het gekende nummer.",
                "subject": "Preventietip: telefoonfraude",
                "body": "Oplichters doen zich voor als politie, bank of familielid. Geef nooit codes, kaarten of geld af. Haak in bij twijfel en bel zelf het nummer dat u kent.",
            },
            "fr": {
                "sms": "Conseil RIQ: la police ou votre banque ne demande jamais votre code, carte ou codes par telephone ou SMS. Un doute ? Raccrochez et rappelez le numero connu.",
                "subject": "Conseil de prévention : fraude téléphonique",
                "body": "Des escrocs se font passer pour la police, la banque ou un proche. Ne donnez jamais de codes, de cartes ou d'argent. En cas de doute, raccrochez et appelez vous-même le numéro que vous connaissez.",
            },
        },
    ),
]


def create(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for kind, title, texts in TEMPLATES:
        MessageTemplate.objects.get_or_create(
            title=title, police_zone=None, defaults={"kind": kind, "texts": texts}
        )


def remove(apps, schema_editor):
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    MessageTemplate.objects.filter(police_zone=None, title__in=[t[1] for t in TEMPLATES]).delete()


class Migration(migrations.Migration):
    dependencies = [("messaging", "0005_message_templates")]
    operations = [migrations.RunPython(create, remove)]
