"""The engagekit command line."""

from engagekit.cli import main

from paths import FIXTURES


def test_formats_lists_formats_with_an_example(capsys):
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    assert "x_tweet_activity  ->  posts" in out
    assert 'e.g. "Tweet id","Tweet permalink"' in out


def test_inspect_shows_format_counts_and_drops(capsys):
    path = FIXTURES / "x_tweet_activity" / "tweet_activity_metrics_PawTest_20250101_20250201_en.csv"
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "format: x_tweet_activity" in out
    assert "4 rows read, 3 loaded" in out
    assert "dropped line 6, column 'time'" in out
    assert "reactions        <- likes" in out
    assert "published_at     <- time" in out


def test_unknown_file_is_one_clear_line_and_exit_2(tmp_path, capsys):
    path = tmp_path / "notes.csv"
    path.write_text("hello\n")
    assert main(["inspect", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("engagekit: error:") and "notes.csv" in err and "Supported formats" in err


def test_inspect_format_skips_detection(capsys):
    path = FIXTURES / "x_tweet_activity" / "tweet_activity_metrics_PawTest_20250101_20250201_en.csv"
    assert main(["inspect", str(path), "--format", "facebook_post_level"]) == 2
    err = capsys.readouterr().err
    assert path.name in err and "facebook_post_level" in err


def test_inspect_refuses_an_option_without_a_value(capsys):
    path = FIXTURES / "x_tweet_activity" / "tweet_activity_metrics_PawTest_20250101_20250201_en.csv"
    assert main(["inspect", str(path), "--option", "year"]) == 2
    assert "--option takes KEY=VALUE" in capsys.readouterr().err


def test_inspect_refuses_an_option_that_has_its_own_flag(capsys):
    path = FIXTURES / "x_tweet_activity" / "tweet_activity_metrics_PawTest_20250101_20250201_en.csv"
    assert main(["inspect", str(path), "--option", "tz=UTC"]) == 2
    assert "give tz with --tz" in capsys.readouterr().err
