"""Demo data built from five real public documents (the seeds), for `manage.py load_demo`.

The texts are copied from the seeds into the .txt files beside this module, with the PDF line
breaks joined back into paragraphs. The constants below let tests look for text that must never
reach the public.
"""

# The slugs of the two demo cooperations; `load_demo --reset` deletes exactly these.
OSLOREGIONEN = "osloregionen"
OSTLANDSSAMARBEIDET = "ostlandssamarbeidet"
DEMO_SLUGS = (OSLOREGIONEN, OSTLANDSSAMARBEIDET)

DEMO_PASSWORD = "demo"

# A sentence only in the draft minutes of a held meeting whose minutes are not published.
DRAFT_MARKER = (
    "Faggruppen ba sekretariatet om et notat om felles kraftinfrastruktur for "
    "næringsarealene langs Dovrebanen."
)

# The title of the one exempt case (Offl. § 25); the public sees only its public title.
EXEMPT_MARKER = "Ansettelse av direktør – innstilling om tilbud til søker Kari Demodatter Lien"
EXEMPT_PUBLIC_TITLE = "Ansettelse av direktør"
