from beautyrec.core.progress import percent_bar


def test_percent_bar_shows_progress_stage_and_eta(capsys):
    with percent_bar("import") as progress:
        progress(40, "validating")
        progress(90, "writing")
        progress(100, "done")
    err = capsys.readouterr().err
    assert "import: 100%" in err and "100/100%" in err
    assert "done]" in err  # the last stage (tqdm redraws at most every 0.1 s, so quick stages may not show)
    assert "<00:00" in err  # elapsed<remaining: the ETA


def test_percent_bar_is_silent_at_verbosity_zero(capsys):
    with percent_bar("import", verbosity=0) as progress:
        progress(100, "done")
    assert capsys.readouterr().err == ""
