"""Tools around the pipeline, not part of it: ``simulate`` makes corpora with known reuse,
``shapes`` gives them the look of other languages and outlets, ``evaluate`` scores a store
against a simulation's truth. The CLI's ``simulate`` and ``eval`` commands call them."""
