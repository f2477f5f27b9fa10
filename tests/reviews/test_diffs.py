"""What changed between two snapshots of a report (reviews/selectors/diffs.py): narratives word
by word, a milestone's values as "before → after", and nothing about what did not change or a
milestone the newer report does not carry."""

from reviews.selectors.diffs import diff, word_changes

MILESTONE = {"position": 1, "title": "Prototype", "status": "On track", "percent_complete": 60}


def snapshot(**values):
    return {
        "summary": "The project progressed as planned.",
        "risks": "None.",
        "milestones": {"1": dict(MILESTONE)},
        **values,
    }


def test_word_changes_mark_only_the_words_that_differ():
    changes = word_changes(
        "The radar passed its first trial.", "The radar passed its second trial."
    )

    assert changes == [
        ("same", "The radar passed its "),
        ("del", "first"),
        ("ins", "second"),
        ("same", " trial."),
    ]


def test_word_changes_of_a_text_added_or_emptied():
    assert word_changes("", "New text.") == [("ins", "New text.")]
    assert word_changes("Old text.", "") == [("del", "Old text.")]


def test_diff_narrative_changed_in_one_word_keeps_the_rest_unmarked():
    result = diff(snapshot(), snapshot(summary="The project progressed as foreseen."), against="x")

    [change] = result.fields
    assert change.label == "Summary"
    assert change.words == [
        ("same", "The project progressed as "),
        ("del", "planned."),
        ("ins", "foreseen."),
    ]


def test_diff_milestone_values_read_before_and_after():
    changed = {"percent_complete": 65, "status": "Delayed", "forecast_date": "2027-03-01"}
    after = snapshot(milestones={"1": {**MILESTONE, **changed}})

    result = diff(snapshot(), after, against="x")

    [(title, changes)] = result.milestones
    assert title == "Milestone 1 “Prototype”"
    assert [(c.label, c.shown) for c in changes] == [
        ("Status", "On track → Delayed"),
        ("Percent complete", "60 % → 65 %"),
        ("Forecast date", "— → 1 March 2027"),
    ]


def test_diff_lists_only_what_changed_never_a_milestone_the_report_no_longer_carries():
    unchanged = diff(snapshot(), snapshot(), against="x")
    dropped = diff(snapshot(), snapshot(milestones={}), against="x")
    added = diff(snapshot(milestones={}), snapshot(), against="x")

    assert unchanged.empty
    assert dropped.empty
    assert [(t, [(c.label, c.shown) for c in cs]) for t, cs in added.milestones] == [
        ("Milestone 1 “Prototype”", [("Milestone", "added to the report")])
    ]
