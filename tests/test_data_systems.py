"""Data behind the Systems chapter: the counts it uses agree with each other.

The chapter adds no resources; it uses board_innovations, frontline_innovations, reported_counts
and framework_items. These tests check the consistency that the chapter's analyses rely on
(half-years sum to the total, the domain split leaves a non-negative unsplit remainder, the two
tables of frontline counts agree). Its quotations are checked in tests/test_quotes.py.
"""

import pytest

import nhsbook


def reported(count_id: str) -> int:
    counts = nhsbook.load("reported_counts").set_index("count_id")["value"]
    return int(counts[count_id])


@pytest.fixture(scope="module")
def board():
    return nhsbook.load("board_innovations")


def test_half_years_sum_to_the_total(board):
    total = board.query("breakdown == 'total'")["count"]
    halves = board.query("breakdown == 'half_year'").sort_values("period_start")
    assert len(total) == 1 and len(halves) == 3
    assert halves["count"].sum() == total.iloc[0] == reported("board_innovations_total")
    # the half-years tile the 18 months without gaps or overlaps
    starts, ends = list(halves["period_start"]), list(halves["period_end"])
    assert all((s - e).days == 1 for s, e in zip(starts[1:], ends[:-1], strict=True))
    months = (ends[-1].year - starts[0].year) * 12 + ends[-1].month - starts[0].month + 1
    assert months == reported("board_minutes_period_months")


def test_domain_split_leaves_an_unsplit_remainder(board):
    total = int(board.query("breakdown == 'total'")["count"].iloc[0])
    domains = board.query("breakdown == 'domain'")
    split = domains.query("status == 'reported'")
    assert set(split["category"]) == {"productivity", "safety"}
    assert 0 <= total - split["count"].sum() <= total
    other = domains.query("status == 'not reported'")
    assert len(other) == 1 and other["count"].isna().all(), "never store the remainder as data"


def test_board_average_within_the_reported_range(board):
    total = int(board.query("breakdown == 'total'")["count"].iloc[0])
    per_board = total / reported("board_minutes_trusts")
    low, high = (
        reported("board_innovations_per_trust_low"),
        reported("board_innovations_per_trust_high"),
    )
    assert low <= per_board <= high
    assert set(board["trusts"]) == {reported("board_minutes_trusts")}
    assert set(board["minute_sets"]) == {reported("board_minutes_sets")}


def test_frontline_counts_agree_with_reported_counts():
    front = nhsbook.load("frontline_innovations").query("kind == 'count'")
    values = front.set_index("item_id")["value"].astype(int)
    assert values["innovations"] == reported("frontline_innovations")
    assert values["teams"] == reported("frontline_survey_teams")
    assert values["open_responses"] == reported("frontline_open_responses")
    assert values["period"] == reported("frontline_period_months")
    ranks = nhsbook.load("frontline_innovations").query("kind == 'focus_rank'")
    assert ranks["value"].isna().all(), "the frontline focus split is not reported"


def test_team_survey_flow_is_coherent():
    assert reported("followup_teams") <= reported("team_survey_teams")
    assert reported("frontline_survey_teams") <= reported("team_survey_teams")
    assert reported("team_survey_teams") <= reported("team_survey_responses")
    assert reported("followup_teams") <= reported("followup_individuals")


def test_monitor_share_is_a_proportion():
    assert 0 <= reported("monitor_staff_worked_in_nhs") <= reported("monitor_staff_total")


def test_barrier_areas_are_the_four_reported():
    barriers = nhsbook.load("framework_items").query("list_id == 'hf_barriers'")
    assert len(barriers) == reported("hf_barrier_areas")


def test_exposure_denominators_the_chapter_varies():
    """The exposure-sensitivity table rests on these relations between reported counts."""
    # open-ended answers exceed survey responses: the frontline unit is answers, not people
    assert reported("frontline_open_responses") > reported("team_survey_responses")
    # innovations came from fewer teams than the survey had
    assert reported("frontline_survey_teams") < reported("team_survey_teams")
    # about 11 sets of minutes per board over 18 months: fewer than monthly meetings would give
    sets_per_board = reported("board_minutes_sets") / reported("board_minutes_trusts")
    assert 11 < sets_per_board < reported("board_minutes_period_months")
