"""The one write path for answers: every channel (native bundle, REDCap, Qualtrics, FHIR, tables) ends here."""
