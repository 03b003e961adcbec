def test_is_promo_is_the_whole_promo_pattern_on_short_lines():
    # is_promo tries navigation words only at a line's start and the rest behind substring
    # hints: the same answers as searching the whole pattern.
    import random

    from tracer.boilerplate import PROMO_MAX_CHARS, PROMO_RE, is_promo

    rng = random.Random(2)
    words = (
        "read more sign up for our newsletter free trial share this article click here watch now "
        "listen related see also copyright \u00a9 - : the news is source: full try 1 month offer ends"
    ).split()
    for _ in range(20000):
        line = rng.choice(["", "- ", "... ", "* "]) + " ".join(
            rng.choice(words) for _ in range(rng.randint(1, 12))
        )
        assert is_promo(line) == (len(line) <= PROMO_MAX_CHARS and PROMO_RE.search(line) is not None), line
