"""nhsbook.providers: the children's-trust flag, reader labels and the admissions screen."""

import pandas as pd

import nhsbook
from nhsbook import providers


def test_childrens_trusts_are_flagged_and_others_are_general():
    specialist = nhsbook.load("specialist_trusts")
    group = providers.provider_group(["RCU", "RXL", "RBS", "RQ3"], specialist)
    children, general = "children's trust", "general acute"
    assert group.tolist() == [children, general, children, children]


def test_the_list_covers_the_childrens_trusts_in_the_ae_data():
    specialist = nhsbook.load("specialist_trusts")
    assert set(specialist.org_code) == {"RBS", "RCU", "RQ3"}
    assert set(specialist.source) == {"nhse_ae"}
    ae = nhsbook.load("ae_attendances")
    type1 = ae[ae["type"] == "1"]
    assert set(specialist.org_code) <= set(type1.org_code)
    # the data agree: children's trusts admit a smaller share of attendances than most
    totals = type1.groupby("org_code")[["attendances", "admissions"]].sum()
    share = totals.admissions / totals.attendances
    assert (share[list(specialist.org_code)] < share.median()).all()
    assert share.idxmin() == "RCU"


def test_labels_name_specialist_trusts_and_keep_codes_for_others():
    specialist = pd.DataFrame(
        {"org_code": ["RCU"], "short_name": ["Sheffield Children's"], "specialty": ["children"]}
    )
    labels = providers.provider_label(["RCU", "RXL"], specialist)
    assert labels.tolist() == ["Sheffield Children's (RCU)", "RXL"]


def test_admission_screen_marks_the_tails():
    share = pd.Series([0.1, 0.2, 0.25, 0.3, 0.3, 0.3, 0.35, 0.35, 0.4, 0.6])
    screen = providers.admission_screen(share)
    assert screen.iloc[0] == "low" and screen.iloc[-1] == "high"
    assert (screen.iloc[1:-1] == "typical").all()
