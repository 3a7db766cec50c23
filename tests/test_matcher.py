"""The tagging engine as a sub-group lead sees it: which postings land in which sub-group, and why."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from digest.errors import UserError
from digest.tagging.matcher import Matcher, Tag
from digest.tagging.rules import RoleRule, SubgroupRules, parse_subgroups_toml
from digest.tagging.vocabulary import Vocabulary, load_vocabulary_toml

GROUPS_TOML = """
[[subgroup]]
name = "Marketing"
roles = ["Marketing Manager", "Marketing Director", "Social Media Marketing", "SEO Specialist",
         "Public Relations"]
exclude = ["Telemarketing"]
leads = ["lead@example.org"]
description = "Brand, digital and communications roles"

[[subgroup]]
name = "Information Technology"
roles = ["Software Engineer", "Web Developer", "QA Engineer", "IT Manager",
         {phrase = "Data Engineer", synonyms = ["Analytics Engineer"], exclude = ["Intern"]}]

[[subgroup]]
name = "Finance"
roles = ["Accountant", "Controller", "FP&A", "Accounts Payable", "Financial Analyst"]

[[subgroup]]
name = "Human Resources"
roles = ["Human Resources Manager", "HR Business Partner", "Recruiter"]

[[subgroup]]
name = "Sales"
roles = ["Sales Manager", "Sales Representative", "Vice President of Sales",
         {phrase = "Account Executive", required = ["SaaS"]}]

[[subgroup]]
name = "Projects"
roles = ["Project Manager", "Program Manager"]
"""


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.compile(parse_subgroups_toml(GROUPS_TOML))


def groups_of(tags: list[Tag]) -> set[str]:
    return {t.subgroup for t in tags}


def tag_for(tags: list[Tag], subgroup: str) -> Tag:
    return next(t for t in tags if t.subgroup == subgroup)


# --- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "MARKETING MANAGER",  # case
        "Ｍａｒｋｅｔｉｎｇ Ｍａｎａｇｅｒ",  # full-width letters (NFKC)
        "Marketing-Manager",  # punctuation
        "Marketing Managers",  # plural
        "Mktg Mgr",  # abbreviations
        "Manager, Marketing",  # word order
        "Marketing Communications Manager",  # words in between
        "Sr. Manager of Marketing",
    ],
)
def test_marketing_manager_is_recognised_however_written(matcher: Matcher, title: str) -> None:
    assert "Marketing" in groups_of(matcher.match(title))


@pytest.mark.parametrize(
    ("title", "subgroup"),
    [
        ("Sr Software Eng", "Information Technology"),
        ("Software Developer", "Information Technology"),  # vocabulary synonym
        ("Programmer", "Information Technology"),
        ("Information Technology Manager", "Information Technology"),  # long form of IT
        ("Quality Assurance Engineer", "Information Technology"),  # long form of QA
        ("SMM Coordinator", "Marketing"),  # SMM = social media marketing
        ("Search Engine Optimization Specialist", "Marketing"),
        ("PR Manager", "Marketing"),
        ("Manager, FP&A", "Finance"),
        ("Financial Planning and Analysis Manager", "Finance"),
        ("AP Clerk", "Finance"),
        ("Comptroller", "Finance"),
        ("HRBP", "Human Resources"),
        ("HR Mgr", "Human Resources"),
        ("Personnel Manager", "Human Resources"),
        ("VP Sales", "Sales"),
        ("Sales Rep", "Sales"),
        ("Salesperson", "Sales"),
        ("Sr. PM", "Projects"),
        ("Programme Manager", "Projects"),  # British spelling
    ],
)
def test_abbreviations_synonyms_and_spellings(matcher: Matcher, title: str, subgroup: str) -> None:
    assert subgroup in groups_of(matcher.match(title))


def test_words_too_far_apart_do_not_make_a_role(matcher: Matcher) -> None:
    assert "Marketing" not in groups_of(
        matcher.match("Marketing team liaison for warehouse and fleet logistics manager")
    )


def test_unrelated_titles_get_no_tags(matcher: Matcher) -> None:
    for title in ("Registered Nurse", "Truck Driver", "Pastry Chef", "Air Quality Scientist"):
        assert matcher.match(title) == [], title


# --- scores, explanations, multi-label ----------------------------------------------------------


def test_exact_title_scores_highest_and_is_explained(matcher: Matcher) -> None:
    exact = tag_for(matcher.match("Marketing Manager"), "Marketing")
    reordered = tag_for(matcher.match("Manager, Marketing"), "Marketing")
    assert exact.score == 1.0
    assert 0.0 < reordered.score < exact.score
    assert exact.role == "Marketing Manager"
    assert exact.why == ("'marketing manager' in title",)


def test_explanation_names_the_words_seen(matcher: Matcher) -> None:
    tag = tag_for(matcher.match("Social Media Marketing Lead"), "Marketing")
    assert tag.role == "Social Media Marketing"
    assert tag.why[0].startswith("'social media marketing'") and "title" in tag.why[0]
    split = tag_for(matcher.match("Marketing Manager (Social Media)"), "Marketing")
    assert any("+" in why for why in split.why) or split.role == "Marketing Manager"


def test_synonym_match_says_which_phrasing_it_stands_for(matcher: Matcher) -> None:
    tag = tag_for(matcher.match("Programmer"), "Information Technology")
    assert tag.role == "Software Engineer"
    assert tag.score < 1.0
    assert "programmer" in tag.why[0]


def test_one_posting_can_fit_several_subgroups(matcher: Matcher) -> None:
    tags = matcher.match("Sales and Marketing Manager")
    assert {"Sales", "Marketing"} <= groups_of(tags)
    assert all(0.0 <= t.score <= 1.0 for t in tags)
    assert [t.score for t in tags] == sorted((t.score for t in tags), reverse=True)


def test_more_specific_reading_wins_across_subgroups() -> None:
    groups = [
        SubgroupRules("Engineering", (RoleRule("Quality Engineer"),)),
        SubgroupRules("IT", (RoleRule("Software Quality Engineer"),)),
    ]
    tags = Matcher.compile(groups).match("Software Quality Engineer")
    assert groups_of(tags) == {"IT"}


def test_head_generalises_only_to_heads_the_group_lists() -> None:
    lists_directors = SubgroupRules("A", (RoleRule("Brand Manager"), RoleRule("Sales Director")))
    managers_only = SubgroupRules("B", (RoleRule("Brand Manager"), RoleRule("Sales Manager")))
    matcher = Matcher.compile([lists_directors, managers_only])
    assert groups_of(matcher.match("Brand Director")) == {"A"}
    assert groups_of(
        Matcher.compile([managers_only], generalize="always").match("Brand Director")
    ) == {"B"}


# --- title vs description -----------------------------------------------------------------------


def test_title_is_weighted_above_description(matcher: Matcher) -> None:
    text = "You will report to the VP. As our Marketing Manager you own the plan. " * 2
    from_desc = tag_for(matcher.match("Team Member", text), "Marketing")
    from_title = tag_for(matcher.match("Marketing Manager", "Own the plan."), "Marketing")
    assert from_desc.score < from_title.score
    assert "description" in from_desc.why[0]


def test_single_mention_in_description_is_not_enough(matcher: Matcher) -> None:
    tags = matcher.match("Office Assistant", "You will support our Marketing Manager.")
    assert "Marketing" not in groups_of(tags)


def test_description_mentions_boost_a_title_match(matcher: Matcher) -> None:
    plain = tag_for(matcher.match("Manager, Marketing"), "Marketing")
    boosted = tag_for(
        matcher.match("Manager, Marketing", "This Marketing Manager role..."), "Marketing"
    )
    assert boosted.score > plain.score
    assert any("description" in why for why in boosted.why)


def test_description_phrase_inside_a_longer_word_is_ignored(matcher: Matcher) -> None:
    text = "Our recruiters' partner, the ControllerX team, hires accountants. " * 3
    tags = matcher.match("Coordinator", text)
    assert "Finance" in groups_of(tags)  # 'accountants' is a plural of the role
    assert tag_for(tags, "Finance").role == "Accountant"


def test_company_and_location_are_not_evidence(matcher: Matcher) -> None:
    """The matcher takes only the title and description: a company named 'Acme Marketing
    Manager Ltd' hiring a driver cannot tag the posting, because it cannot be passed at all."""
    import inspect

    assert list(inspect.signature(matcher.match).parameters) == ["title", "description"]
    assert matcher.match("Driver") == []


# --- exclusions and requirements ----------------------------------------------------------------


def test_subgroup_exclude_vetoes_the_subgroup(matcher: Matcher) -> None:
    assert "Marketing" not in groups_of(matcher.match("Telemarketing Manager"))
    assert "Marketing" not in groups_of(matcher.match("Marketing Manager (Telemarketing)"))


def test_role_exclude_vetoes_only_that_role() -> None:
    roles = (RoleRule("Data Engineer", exclude=("Intern",)), RoleRule("Web Developer"))
    matcher = Matcher.compile([SubgroupRules("IT", roles)], generalize="never")
    assert matcher.match("Data Engineer Intern") == []
    assert groups_of(matcher.match("Data Engineer")) == {"IT"}
    assert groups_of(matcher.match("Web Developer Intern")) == {"IT"}


def test_role_synonyms_from_the_table_form(matcher: Matcher) -> None:
    tag = tag_for(matcher.match("Analytics Engineer"), "Information Technology")
    assert tag.role == "Data Engineer"


def test_required_phrase_must_appear(matcher: Matcher) -> None:
    assert "Sales" not in groups_of(matcher.match("Account Executive", "Sell our widgets."))
    assert "Sales" in groups_of(matcher.match("Account Executive", "Sell our SaaS platform."))
    assert "Sales" in groups_of(matcher.match("SaaS Account Executive"))


def test_description_exclude_vetoes_description_only_matches() -> None:
    group = SubgroupRules("Marketing", (RoleRule("Marketing Manager"),), exclude=("Telemarketing",))
    matcher = Matcher.compile([group])
    text = "Marketing Manager wanted. Marketing Manager duties: telemarketing calls."
    assert matcher.match("Caller", text) == []
    assert groups_of(matcher.match("Caller", text.replace("telemarketing", "email"))) == {
        "Marketing"
    }


# --- subgroups.toml -----------------------------------------------------------------------------


def test_subgroups_toml_both_role_forms() -> None:
    groups = parse_subgroups_toml(GROUPS_TOML)
    marketing = groups[0]
    assert marketing.name == "Marketing"
    assert marketing.roles[0] == RoleRule("Marketing Manager")
    assert marketing.exclude == ("Telemarketing",)
    assert marketing.leads == ("lead@example.org",)
    assert marketing.description.startswith("Brand")
    table_role = groups[1].roles[-1]
    assert table_role == RoleRule("Data Engineer", ("Analytics Engineer",), ("Intern",), ())
    assert groups[4].roles[-1].required == ("SaaS",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[subgroup]]\nroles = ['x']", "name"),
        ("[[subgroup]]\nname = 'A'\nroles = 'x'", "roles"),
        ("[[subgroup]]\nname = 'A'\nroles = [{synonyms = ['x']}]", "phrase"),
        ("[[subgroup]]\nname = 'A'\nroles = [{phrase = 'x', colour = 'red'}]", "colour"),
        ("[[subgroup]]\nname = 'A'\n[[subgroup]]\nname = 'A'", "duplicate"),
        ("[[subgroup]\nname = 'A'", "subgroups"),
    ],
)
def test_bad_subgroups_toml_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_subgroups_toml(text, "subgroups")


def test_empty_rules_and_empty_input() -> None:
    assert parse_subgroups_toml("") == []
    assert Matcher.compile([]).match("Marketing Manager", "Marketing Manager " * 5) == []
    matcher = Matcher.compile(parse_subgroups_toml(GROUPS_TOML))
    assert matcher.match("") == []
    assert matcher.match("", "") == []
    assert matcher.match("   ", "\n\t") == []
    assert matcher.match_many([]) == []


def test_match_many_keeps_order(matcher: Matcher) -> None:
    results = matcher.match_many([("Recruiter", ""), ("Pastry Chef", ""), ("Controller", "")])
    assert [groups_of(r) for r in results] == [{"Human Resources"}, set(), {"Finance"}]


# --- vocabulary ---------------------------------------------------------------------------------


def test_vocabulary_override_adds_an_abbreviation_and_synonym() -> None:
    groups = [SubgroupRules("Ops", (RoleRule("Warehouse Manager"),))]
    vocab = load_vocabulary_toml(
        """
        synonyms = [["warehouse manager", "stockroom boss"]]
        [abbreviations]
        whmgr = "warehouse manager"
        """
    )
    matcher = Matcher.compile(groups, vocab)
    assert groups_of(matcher.match("WHMGR")) == {"Ops"}
    assert groups_of(matcher.match("Stockroom Boss")) == {"Ops"}
    assert Matcher.compile(groups, Vocabulary.empty()).match("Stockroom Boss") == []


def test_vocabulary_replace_starts_empty() -> None:
    vocab = load_vocabulary_toml("replace = true")
    matcher = Matcher.compile([SubgroupRules("Eng", (RoleRule("Mechanical Engineer"),))], vocab)
    assert matcher.match("Mech Eng") == []
    assert groups_of(
        Matcher.compile([SubgroupRules("Eng", (RoleRule("Mechanical Engineer"),))]).match(
            "Mech Eng"
        )
    ) == {"Eng"}


def test_bad_vocabulary_is_reported() -> None:
    with pytest.raises(ValueError, match="synonyms"):
        load_vocabulary_toml("synonyms = 'x'")
    with pytest.raises(ValueError, match="abbreviations"):
        load_vocabulary_toml("abbreviations = 3")


# --- robustness ---------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(title=st.text(), description=st.text(max_size=500))
def test_arbitrary_unicode_never_raises(matcher: Matcher, title: str, description: str) -> None:
    tags = matcher.match(title, description)
    assert all(0.0 <= t.score <= 1.0 and t.why for t in tags)


@settings(max_examples=100, deadline=None)
@given(phrase=st.text(min_size=1, max_size=30), title=st.text(max_size=60))
def test_arbitrary_rules_compile_and_match(phrase: str, title: str) -> None:
    group = SubgroupRules("G", (RoleRule(phrase, synonyms=(phrase[::-1],), exclude=(phrase[:2],)),))
    Matcher.compile([group]).match(title, title)


# --- explanations and gaps ---------------------------------------------------------------------


def test_near_misses_name_the_closest_role_and_what_is_missing(matcher: Matcher) -> None:
    misses = {m.subgroup: m for m in matcher.near_misses("Marketing Analyst")}
    assert misses["Marketing"].role in {"Marketing Manager", "Marketing Director"}
    assert "missing" in misses["Marketing"].reason
    assert misses["Finance"].role == "Financial Analyst"
    assert misses["Finance"].reason.startswith("missing 'financial'")


def test_near_misses_report_vetoes(matcher: Matcher) -> None:
    misses = {m.subgroup: m for m in matcher.near_misses("Telemarketing Manager")}
    assert misses["Marketing"].reason == "vetoed by the sub-group's exclude 'Telemarketing'"
    data = Matcher.compile(
        [SubgroupRules("Data", (RoleRule("Data Engineer", exclude=("Intern",)),))]
    )
    (miss,) = data.near_misses("Data Engineer Intern")
    assert (miss.role, miss.reason) == ("Data Engineer", "vetoed by exclude 'Intern'")


def test_near_misses_leave_out_tagged_subgroups(matcher: Matcher) -> None:
    assert "Projects" not in {m.subgroup for m in matcher.near_misses("Project Manager")}


def test_gap_suggestions_find_uncovered_words() -> None:
    from digest.tagging.gaps import gap_suggestions

    marketing = parse_subgroups_toml(GROUPS_TOML)[0]
    titles = ["Growth Hacker", "Sr. Growth Hackers", "Community Manager", "Community Managers"]
    titles += ["Marketing Manager", "Nurse"]
    assert gap_suggestions(titles, marketing) == [
        ("community manager", 2),
        ("growth hacker", 2),
    ]
    assert gap_suggestions(titles, marketing, min_count=3) == []


def test_both_automaton_backends_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    import digest.tagging.matcher as matcher_module

    groups = parse_subgroups_toml(GROUPS_TOML)
    description = (
        "You report to the Marketing Director. As our Social-Media-Marketing lead (social media "
        "marketing), you'll own SEO; ‘Public Relations’ too.\nSocial media marketing!"
    )
    postings = [("Brand Lead", description), ("Café Accountant", "Accountants’ team, accountant")]
    fast = Matcher.compile(groups).match_many(postings)
    monkeypatch.setattr(matcher_module, "ahocorasick_rs", None)
    assert Matcher.compile(groups).match_many(postings) == fast
    assert any(t.subgroup == "Marketing" for t in fast[0])


# --- optional semantic tags --------------------------------------------------------------------


class _WordsModel:
    """A stand-in sentence encoder (bag of words) so the capping and merging rules are tested
    without the optional model; the real one is measured in benchmarks/tagging.py."""

    def encode(self, texts: list[str], **_: object):  # type: ignore[no-untyped-def]
        import numpy as np

        vocab = ["brand", "marketing", "manager", "software", "engineer", "developer"]
        rows = np.array([[w in t.lower() for w in vocab] for t in texts], dtype=float) + 1e-9
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_semantic_tags_stay_below_rule_matches_and_only_fill_gaps() -> None:
    from digest.tagging.semantic import MAX_SCORE, SemanticTagger, combine, role_pairs

    groups = parse_subgroups_toml(GROUPS_TOML)
    tagger = SemanticTagger(role_pairs(groups), threshold=0.7, model=_WordsModel())
    (semantic,) = tagger.tags(["Brand Marketing Lead"])
    assert [t.subgroup for t in semantic] == ["Marketing"]
    assert semantic[0].score <= MAX_SCORE
    assert semantic[0].why[0].startswith(f"similar to role '{semantic[0].role}' (0.")
    rules = Matcher.compile(groups)
    ruled = rules.match("Marketing Manager")
    merged = combine(ruled, tagger.tags(["Marketing Manager"])[0])
    assert merged[: len(ruled)] == ruled
    assert len({t.subgroup for t in merged}) == len(merged)  # never a second tag per sub-group
    assert min(t.score for t in ruled) > MAX_SCORE


def test_description_alone_does_not_pull_a_posting_from_another_field(matcher: Matcher) -> None:
    """An FP&A analyst whose description mentions recruiters twice is a Finance lead, not HR's."""
    text = (
        "You partner with our Recruiter on hiring plans. The Recruiter team relies on your models."
    )
    tags = matcher.match("Senior FP&A Analyst", text)
    assert "Human Resources" not in groups_of(tags)
    assert "Finance" in groups_of(tags)


def test_description_still_names_the_job_behind_a_generic_title(matcher: Matcher) -> None:
    text = "We need a Recruiter to run our hiring. As Recruiter you own sourcing."
    assert "Human Resources" in groups_of(matcher.match("Senior Associate II", text))
    assert "Human Resources" in groups_of(matcher.match("Talent Partner", text))
