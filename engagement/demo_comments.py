"""Free-text comment bank for the demo study: short sentences by theme, tone and language.

Texts are written for this project. Planted identifiers use reserved example domains and fictional
phone ranges (UK 07700 900xxx is set aside for drama), so scrubbing has something real to find.
"""

from __future__ import annotations

# language -> tone -> list of sentences. Tones: neg (burden or distrust), pos, neu.
SENTENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "neg": (
            "The drive to the hospital takes over an hour each way and I am exhausted afterwards.",
            "Parking is a nightmare and the car park charges add up every visit.",
            "I waited almost two hours past my appointment time for the blood test.",
            "The side effects this month made it very hard to keep working.",
            "Nobody told me the results of my last scan and I had to chase them.",
            "Visits keep getting moved at short notice, which is hard with my job.",
            "I still have not been paid back for the train tickets from March.",
            "Some of the forms are long and I do not see why they ask the same thing twice.",
            "I feel the team is more interested in the samples than in how I am.",
            "My mother is worn out by the travel and the long days at the clinic.",
            "I was not told about the extra biopsy until the day itself.",
            "The nausea after treatment lasts for days and nobody seems to note it.",
        ),
        "pos": (
            "The research nurses are kind and always take time to explain things.",
            "Everything was explained clearly before I signed up.",
            "Being able to do some visits by phone has made a big difference.",
            "The team answers my questions quickly, even by e-mail.",
            "I feel listened to and respected at every visit.",
            "Having taxis arranged for me makes taking part possible.",
            "I am glad to help other people with the same illness.",
            "The reception staff know my name and make me feel welcome.",
        ),
        "neu": (
            "It would help to get the visit dates for the next three months in one letter.",
            "A quiet room to wait in between tests would be nice.",
            "Could the questionnaires be shorter?",
            "I would like to know when the study results will be shared.",
            "Evening appointments would suit working people better.",
            "No comment for now, things are going as expected.",
        ),
    },
    "fr": {
        "neg": (
            "Le trajet jusqu'à l'hôpital est long et je suis épuisé après chaque visite.",
            "Impossible de se garer, et le parking coûte cher à chaque fois.",
            "J'ai attendu près de deux heures avant la prise de sang.",
            "Les effets secondaires ce mois-ci m'ont empêché de travailler.",
            "On ne m'a pas donné les résultats de mon dernier scanner.",
            "Les rendez-vous sont souvent déplacés au dernier moment.",
        ),
        "pos": (
            "Les infirmières de recherche sont très gentilles et prennent le temps d'expliquer.",
            "Tout m'a été bien expliqué avant de signer.",
            "L'équipe répond vite à mes questions.",
            "Je me sens écouté et respecté à chaque visite.",
        ),
        "neu": (
            "Ce serait bien d'avoir toutes les dates de visite à l'avance.",
            "Les questionnaires pourraient être plus courts.",
            "J'aimerais savoir quand les résultats seront publiés.",
        ),
    },
    "es": {
        "neg": (
            "El viaje al hospital es muy largo y llego agotada a casa.",
            "Aparcar es casi imposible y el parking es caro.",
            "Esperé casi dos horas para el análisis de sangre.",
            "Los efectos secundarios de este mes no me dejaron trabajar.",
            "Nadie me explicó los resultados del último escáner.",
            "Me cambian las citas con muy poco aviso.",
        ),
        "pos": (
            "Las enfermeras del estudio son muy amables y lo explican todo con paciencia.",
            "Me explicaron todo muy bien antes de firmar.",
            "El equipo contesta rápido a mis preguntas.",
            "Me siento escuchado y respetado en cada visita.",
        ),
        "neu": (
            "Sería útil tener todas las fechas de las visitas por adelantado.",
            "Los cuestionarios podrían ser más cortos.",
            "Me gustaría saber cuándo se publicarán los resultados.",
        ),
    },
}

# Sentences that carry something a scrubber must remove: e-mail, phone number, a nurse's first name.
PLANTED: dict[str, tuple[str, ...]] = {
    "en": (
        "You can reach me at jane.morgan@example.com if you want to talk about it.",
        "Please call me on 07700 900461, I could not get through to the clinic.",
        "Nurse Aisha was wonderful and stayed late to help me.",
        "My husband's mobile is +44 7700 900318 if the team needs to reach us.",
        "Thanks to Sister Bridget on the day unit, she made all the difference.",
    ),
    "fr": (
        "Vous pouvez me joindre au 06 12 34 56 78.",
        "L'infirmière Claire a été formidable avec moi.",
        "Écrivez-moi à paul.martin@example.fr pour en parler.",
    ),
    "es": (
        "Mi correo es lucia.gomez@example.es por si necesitan contactarme.",
        "La enfermera Carmen fue muy amable conmigo.",
        "Pueden llamarme al 612 345 678.",
    ),
}

# Advocates write about the partnership, not about visits.
ADVOCATE_SENTENCES: dict[str, tuple[str, ...]] = {
    "neg": (
        "Papers arrive the night before the meeting, so there is no time to read them.",
        "We are asked for our views after the decisions are already made.",
        "Expenses take months to be paid back.",
        "Meetings are always in working hours, which excludes many of us.",
    ),
    "pos": (
        "Our comments on the patient leaflet were taken on board, which felt great.",
        "The team treats the advisory group as real partners.",
        "The training on trial design was very useful.",
    ),
    "neu": (
        "It would help to have a named contact in the study team.",
        "A short summary of what changed after each meeting would be welcome.",
        "Online meetings work well for me.",
    ),
}
