"""The platform's standard template set: the four kinds (urgent alert,
feedback, prevention tip, information) in Dutch, French, German and English.

The SMS texts keep the accents GSM-7 has (é, è, à, ù, ä, ö, ü, ß, ...) and
write the others plainly or are worded around them (ê, ç, ë are not GSM-7 and
would make every SMS UCS-2: 70 characters a segment instead of 160);
tests/messaging/test_template_library.py checks it. Placeholders:
{network}, {street}, {time}, {vehicle}, {police}, {emergency}
(messaging.selectors.templates). Running it again leaves the same set: each
template is found by its title and its texts are set.
"""

from django.db import migrations

STANDARD_TEMPLATES = [
    (
        "urgent",
        "Burglars active / Cambrioleurs actifs",
        {
            "nl": {
                "sms": "BIN {network}: inbrekers actief rond {street} ({time}). Doe de lichten aan, sluit deuren en ramen. Verdacht? Bel {police} (nood: {emergency}).",
                "subject": "Dringend: inbrekers actief in de buurt",
                "body": "De politie meldt inbraken rond {street} ({time}). Doe de lichten aan, sluit deuren en ramen en let op verdachte personen of voertuigen. Ziet u iets verdachts? Bel meteen {police}, bij nood {emergency}. Ga zelf niet achter verdachten aan.",
            },
            "fr": {
                "sms": "RIQ {network}: cambrioleurs actifs près de {street} ({time}). Allumez les lumières, fermez tout à clé. Suspect ? Appelez le {police} (urgence: {emergency}).",
                "subject": "Urgent : cambrioleurs actifs dans le quartier",
                "body": "La police signale des cambriolages près de {street} ({time}). Allumez les lumières, fermez portes et fenêtres et soyez attentifs aux personnes ou véhicules suspects. Vous voyez quelque chose de suspect ? Appelez immédiatement le {police}, en cas d'urgence le {emergency}. Ne poursuivez jamais vous-même des suspects.",
            },
            "de": {
                "sms": "BIN {network}: Einbrecher aktiv bei {street} ({time}). Licht an, Türen und Fenster schließen. Verdacht? Rufen Sie {police} an (Notruf: {emergency}).",
                "subject": "Dringend: Einbrecher in der Nachbarschaft aktiv",
                "body": "Die Polizei meldet Einbrüche bei {street} ({time}). Schalten Sie das Licht ein, schließen Sie Türen und Fenster und achten Sie auf verdächtige Personen oder Fahrzeuge. Sehen Sie etwas Verdächtiges? Rufen Sie sofort {police} an, im Notfall {emergency}. Verfolgen Sie niemals selbst Verdächtige.",
            },
            "en": {
                "sms": "BIN {network}: burglars active near {street} ({time}). Turn the lights on, lock doors and windows. Suspicious? Call {police} (emergency: {emergency}).",
                "subject": "Urgent: burglars active in the neighbourhood",
                "body": "The police report burglaries near {street} ({time}). Turn the lights on, lock doors and windows and watch for suspicious people or vehicles. See something suspicious? Call {police} at once, in an emergency {emergency}. Never go after suspects yourself.",
            },
        },
    ),
    (
        "urgent",
        "Suspicious vehicle / Véhicule suspect",
        {
            "nl": {
                "sms": "BIN {network}: verdacht voertuig rond {street} ({time}): {vehicle}. Gezien? Bel {police} (nood: {emergency}). Spreek niemand zelf aan.",
                "subject": "Dringend: verdacht voertuig in de buurt",
                "body": "De politie zoekt een verdacht voertuig dat rond {time} bij {street} gezien werd: {vehicle}. Ziet u het? Bel meteen {police}, bij nood {emergency}, en zeg waar en wanneer. Spreek de inzittenden niet zelf aan en volg het voertuig niet.",
            },
            "fr": {
                "sms": "RIQ {network}: véhicule suspect près de {street} ({time}): {vehicle}. Vu ? Appelez le {police} (urgence: {emergency}). N'intervenez pas.",
                "subject": "Urgent : véhicule suspect dans le quartier",
                "body": "La police recherche un véhicule suspect vu vers {time} près de {street} : {vehicle}. Vous le voyez ? Appelez immédiatement le {police}, en cas d'urgence le {emergency}, et dites où et quand. N'abordez pas ses occupants et ne le suivez pas.",
            },
            "de": {
                "sms": "BIN {network}: verdächtiges Fahrzeug bei {street} ({time}): {vehicle}. Gesehen? Rufen Sie {police} an (Notruf: {emergency}). Greifen Sie nicht selbst ein.",
                "subject": "Dringend: verdächtiges Fahrzeug in der Nachbarschaft",
                "body": "Die Polizei sucht ein verdächtiges Fahrzeug, das gegen {time} bei {street} gesehen wurde: {vehicle}. Sehen Sie es? Rufen Sie sofort {police} an, im Notfall {emergency}, und sagen Sie wo und wann. Sprechen Sie die Insassen nicht an und folgen Sie dem Fahrzeug nicht.",
            },
            "en": {
                "sms": "BIN {network}: suspicious vehicle near {street} ({time}): {vehicle}. Seen it? Call {police} (emergency: {emergency}). Do not intervene yourself.",
                "subject": "Urgent: suspicious vehicle in the neighbourhood",
                "body": "The police are looking for a suspicious vehicle seen around {time} near {street}: {vehicle}. See it? Call {police} at once, in an emergency {emergency}, and say where and when. Do not approach the people in it and do not follow it.",
            },
        },
    ),
    (
        "feedback",
        "Feedback on an alert / Suite à une alerte",
        {
            "nl": {
                "sms": "BIN {network}: opvolging van het alarm van {time} rond {street}. De politie heeft de situatie onder controle. Bedankt voor uw waakzaamheid.",
                "subject": "Feedback: opvolging van het BIN-bericht",
                "body": "Beste BIN-leden, de politie heeft het alarm van {time} rond {street} opgevolgd. De situatie is onder controle. Bedankt voor uw meldingen: ze helpen ons. Blijf verdachte feiten melden via {police}, bij nood {emergency}.",
            },
            "fr": {
                "sms": "RIQ {network}: suite à l'alerte de {time} près de {street}, la police a la situation en main. Merci pour votre vigilance.",
                "subject": "Retour : suite donnée au message RIQ",
                "body": "Chers membres du RIQ, la police a donné suite à l'alerte de {time} près de {street}. La situation est sous contrôle. Merci pour vos signalements : ils nous aident. Continuez à signaler les faits suspects au {police}, en cas d'urgence au {emergency}.",
            },
            "de": {
                "sms": "BIN {network}: zur Warnung von {time} bei {street}: Die Polizei hat die Lage unter Kontrolle. Danke für Ihre Aufmerksamkeit.",
                "subject": "Rückmeldung zur BIN-Nachricht",
                "body": "Liebe BIN-Mitglieder, die Polizei ist der Warnung von {time} bei {street} nachgegangen. Die Lage ist unter Kontrolle. Danke für Ihre Meldungen: Sie helfen uns. Melden Sie Verdächtiges weiterhin unter {police}, im Notfall {emergency}.",
            },
            "en": {
                "sms": "BIN {network}: about the alert of {time} near {street}: the police have the situation under control. Thank you for your vigilance.",
                "subject": "Feedback on the BIN message",
                "body": "Dear BIN members, the police followed up the alert of {time} near {street}. The situation is under control. Thank you for your reports: they help us. Keep reporting suspicious facts on {police}, in an emergency {emergency}.",
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
                "sms": "Conseil RIQ: en vacances ? Donnez à votre maison un air habité (minuterie, courrier relevé) et demandez la surveillance gratuite à la police.",
                "subject": "Conseil de prévention : partir en vacances en sécurité",
                "body": "Donnez à votre habitation un air habité : minuteries, boîte aux lettres vidée, pas d'annonce d'absence sur les réseaux sociaux. Demandez la surveillance gratuite pendant votre absence à votre police locale.",
            },
            "de": {
                "sms": "BIN-Tipp: im Urlaub? Lassen Sie Ihr Haus bewohnt wirken (Zeitschaltuhr, Post leeren lassen) und beantragen Sie die kostenlose Abwesenheitsüberwachung.",
                "subject": "Präventionstipp: sicher in den Urlaub",
                "body": "Geben Sie Ihrem Haus einen bewohnten Eindruck: Zeitschaltuhren, Briefkasten leeren lassen, keine Abwesenheit in sozialen Medien ankündigen. Beantragen Sie bei Ihrer lokalen Polizei die kostenlose Abwesenheitsüberwachung.",
            },
            "en": {
                "sms": "BIN tip: going on holiday? Make your home look lived in (timer switches, post collected) and ask the police for free home watch.",
                "subject": "Prevention tip: a safe holiday",
                "body": "Make your home look lived in: use timer switches, have the letterbox emptied and do not announce your absence on social media. Ask your local police for free home watch while you are away.",
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
                "sms": "Conseil RIQ: la police ou votre banque ne demande jamais votre code, carte ou codes par téléphone ou SMS. Un doute ? Raccrochez et rappelez le numéro connu.",
                "subject": "Conseil de prévention : fraude téléphonique",
                "body": "Des escrocs se font passer pour la police, la banque ou un proche. Ne donnez jamais de codes, de cartes ou d'argent. En cas de doute, raccrochez et appelez vous-même le numéro que vous connaissez.",
            },
            "de": {
                "sms": "BIN-Tipp: Polizei oder Bank fragen nie am Telefon oder per SMS nach PIN, Karte oder Codes. Zweifel? Legen Sie auf und rufen Sie selbst die bekannte Nummer an.",
                "subject": "Präventionstipp: Telefonbetrug",
                "body": "Betrüger geben sich als Polizei, Bank oder Angehörige aus. Geben Sie nie Codes, Karten oder Geld heraus. Legen Sie im Zweifel auf und rufen Sie selbst die Nummer an, die Sie kennen.",
            },
            "en": {
                "sms": "BIN tip: the police or your bank never ask for your PIN, card or codes by phone or SMS. In doubt? Hang up and call the number you know yourself.",
                "subject": "Prevention tip: phone fraud",
                "body": "Fraudsters pose as the police, a bank or a relative. Never hand over codes, cards or money. In doubt, hang up and call the number you know yourself.",
            },
        },
    ),
    (
        "info",
        "Member meeting / Réunion des membres",
        {
            "nl": {
                "sms": "BIN {network}: de jaarlijkse ledenvergadering is op {time}. Meer info in uw e-mail of op uw persoonlijke pagina.",
                "subject": "Info: ledenvergadering van BIN {network}",
                "body": "Beste BIN-leden, de jaarlijkse ledenvergadering van BIN {network} is op {time}. Politie, gemeente en coördinator blikken terug op het voorbije jaar en beantwoorden uw vragen. Iedereen is welkom.",
            },
            "fr": {
                "sms": "RIQ {network}: la réunion annuelle des membres a lieu le {time}. Plus d'infos dans votre e-mail ou sur votre page personnelle.",
                "subject": "Info : réunion des membres du RIQ {network}",
                "body": "Chers membres, la réunion annuelle des membres du RIQ {network} a lieu le {time}. La police, la commune et le coordinateur font le bilan de l'année et répondent à vos questions. Bienvenue à tous.",
            },
            "de": {
                "sms": "BIN {network}: Die jährliche Mitgliederversammlung ist am {time}. Mehr Infos in Ihrer E-Mail oder auf Ihrer persönlichen Seite.",
                "subject": "Info: Mitgliederversammlung des BIN {network}",
                "body": "Liebe Mitglieder, die jährliche Mitgliederversammlung des BIN {network} ist am {time}. Polizei, Gemeinde und Koordinator blicken auf das vergangene Jahr zurück und beantworten Ihre Fragen. Alle sind willkommen.",
            },
            "en": {
                "sms": "BIN {network}: the yearly member meeting is on {time}. More in your email or on your personal page.",
                "subject": "Info: member meeting of BIN {network}",
                "body": "Dear members, the yearly member meeting of BIN {network} is on {time}. The police, the municipality and the coordinator look back on the year and answer your questions. Everyone is welcome.",
            },
        },
    ),
]  # fmt: skip


def standard_templates_set(apps, schema_editor):
    """Create or update each standard template (idempotent)."""
    MessageTemplate = apps.get_model("messaging", "MessageTemplate")
    for kind, title, texts in STANDARD_TEMPLATES:
        MessageTemplate.objects.update_or_create(
            title=title, police_zone=None, defaults={"kind": kind, "texts": texts}
        )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0022_s20g_municipality_and_template_library")]
    operations = [migrations.RunPython(standard_templates_set, migrations.RunPython.noop)]
