"""Plain-language lay summaries (Annex V of EU Regulation 536/2014): build, check, review, export."""
