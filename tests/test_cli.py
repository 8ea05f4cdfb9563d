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
    assert err.startswith("engagekit: error:") and "notes.csv" in err and len(err.strip().splitlines()) == 1
    assert "Fix: add to client.yml under files: - {path: notes.csv, format: generic" in err and len(err) < 600


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


def test_init_writes_a_template_that_loads_with_the_folders_name(tmp_path, capsys):
    from engagekit import read_config

    folder = tmp_path / "harbour_lane"
    assert main(["init", str(folder), "--timezone", "Europe/London"]) == 0
    assert capsys.readouterr().out.strip() == str(folder / "client.yml")
    config = read_config(folder)
    assert (config.client, config.timezone) == ("harbour_lane", "Europe/London")


def test_init_takes_the_clients_name(tmp_path):
    from engagekit import read_config

    assert main(["init", str(tmp_path), "--client", "Harbour Lane"]) == 0
    assert read_config(tmp_path).client == "Harbour Lane"


def test_init_refuses_to_overwrite_client_yml(tmp_path, capsys):
    (tmp_path / "client.yml").write_text("client: mine\n")
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("engagekit: error:") and "client.yml exists already; --force overwrites it" in err
    assert len(err.strip().splitlines()) == 1
    assert (tmp_path / "client.yml").read_text() == "client: mine\n"


def test_init_force_overwrites_client_yml(tmp_path):
    from engagekit import read_config

    (tmp_path / "client.yml").write_text("client: mine\n")
    assert main(["init", str(tmp_path), "--client", "theirs", "--force"]) == 0
    assert read_config(tmp_path).client == "theirs"


def _world_with_a_bad_registration(tmp_path):
    """A study world (CRM registration list) whose last registration has a time that is not a time."""
    from engagekit.teaching.study_world import random_world, write_world

    folder = write_world(random_world(2), tmp_path)
    path = folder / "registrations.csv"
    path.write_text(path.read_text() + "yesterday,abc123,def456,,\n")
    return folder


def test_check_lists_each_file_and_the_goal(tmp_path, capsys):
    from engagekit.teaching.study_world import random_world, write_world

    folder = write_world(random_world(2), tmp_path)
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.strip().startswith(("registrations", "tweet_"))}
    assert rows["registrations.csv"][:2] == ["generic", "outcomes"]
    assert any(row[:2] == ["x_tweet_activity", "posts"] for name, row in rows.items() if name.startswith("tweet_"))
    assert "Objective: registrations. KPI: daily registration count" in out
    assert " 0 dropped\nready: the report can be rendered" in out


def test_check_lists_dropped_rows_and_fails_on_them_only_when_strict(tmp_path, capsys):
    folder = _world_with_a_bad_registration(tmp_path)
    assert main(["check", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "warning: registrations.csv: 1 of 1486 rows dropped (1 not a valid date/time)" in out
    assert " 1 dropped\nready: the report can be rendered" in out
    assert main(["check", str(folder), "--strict"]) == 1


def test_check_of_a_client_yml_with_an_unknown_time_zone_is_one_clear_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "client.yml").write_text("client: broken\ntimezone: Mars/Olympus\n")
    assert main(["check", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    errors = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Mars/Olympus" in errors[0] and "timezone" in errors[0]


def test_report_of_a_client_the_check_refuses_exits_2_before_any_notebook(tmp_path, capsys):
    import shutil

    from paths import SAMPLE

    client = tmp_path / "client"
    client.mkdir()
    for name in ("client.yml", "newsletter_signups.csv"):
        shutil.copy(SAMPLE / name, client / name)
    assert main(["report", str(client), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"engagekit: error: {client} cannot be rendered; fix these, then run engagekit check {client}:")
    assert "\n  - posts: no export with posts was read" in err
    assert not (tmp_path / "out").exists()
