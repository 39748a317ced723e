"""Invalidation rules: what each kind matches, previewing, applying and restoring."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.factories import InvalidationRuleFactory, PetitionPageFactory, SignatureFactory
from undersigned.abuse import selectors, services
from undersigned.abuse.models import InvalidationRule, RuleInvalidation, RuleKind
from undersigned.petitions import selectors as petition_selectors
from undersigned.petitions import services as petition_services
from undersigned.petitions.models import Signature, SignatureState
from undersigned.petitions.services import ANONYMISED_FIELDS
from undersigned.site.errors import ApplicationError

NOON = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def moderator(db):
    return get_user_model().objects.create_user("moderator", "m@example.org", "pw")


def matched(rule) -> set[str]:
    return set(selectors.rule_matches(rule).values_list("name", flat=True))


def rule(petition, kind, **fields) -> InvalidationRule:
    return InvalidationRuleFactory(petition=petition, kind=kind, **{"ip_hash": "", **fields})


def test_the_rule_factory_builds_a_valid_draft(petition):
    draft = InvalidationRuleFactory(petition=petition)
    draft.full_clean()
    assert selectors.rule_state(draft) == selectors.RuleState.DRAFT


# What a rule matches


def test_an_ip_hash_rule_matches_exactly_that_hash(petition):
    SignatureFactory(petition=petition, name="Same Connection", ip_hash="abc123")
    SignatureFactory(petition=petition, name="Longer Hash", ip_hash="abc1234")
    SignatureFactory(petition=petition, name="Upper Case", ip_hash="ABC123")
    SignatureFactory(petition=petition, name="No Hash", ip_hash="")
    assert matched(rule(petition, RuleKind.IP_HASH, ip_hash="abc123")) == {"Same Connection"}


def test_an_email_domain_rule_matches_that_domain_in_any_case_but_not_its_subdomains(petition):
    SignatureFactory(petition=petition, name="Exact", email="a@spam.example")
    SignatureFactory(petition=petition, name="Shouting", email="B@SPAM.EXAMPLE")
    SignatureFactory(petition=petition, name="Subdomain", email="c@mail.spam.example")
    SignatureFactory(petition=petition, name="Lookalike", email="d@notspam.example")
    SignatureFactory(petition=petition, name="Local Part", email="spam.example@other.example")
    SignatureFactory(petition=petition, name="No Email", email="")
    assert matched(rule(petition, RuleKind.EMAIL_DOMAIN, email_domain="spam.example")) == {
        "Exact",
        "Shouting",
    }
    with_subdomains = rule(petition, RuleKind.EMAIL_DOMAIN, email_domain="*.spam.example")
    assert matched(with_subdomains) == {"Exact", "Shouting", "Subdomain"}


def test_an_email_domain_with_like_wildcards_matches_them_literally(petition):
    SignatureFactory(petition=petition, name="Literal", email="a@x_y.example")
    SignatureFactory(petition=petition, name="Other Letter", email="b@xzy.example")
    assert matched(rule(petition, RuleKind.EMAIL_DOMAIN, email_domain="x_y.example")) == {"Literal"}


@pytest.mark.parametrize(
    ("pattern", "matches"),
    [
        ("test*", {"Test User", "TEST", "testing testing"}),
        ("*user", {"Test User", "Another User"}),
        ("a*r", {"Another User"}),
        ("*o*u*", {"Another User"}),
        ("test", {"TEST"}),
        ("Zoë*", {"ZOË Brontë"}),
    ],
)
def test_a_name_pattern_is_case_insensitive_with_star_for_any_run_of_characters(
    petition, pattern, matches
):
    for name in ["Test User", "TEST", "testing testing", "Another User", "A Test", "ZOË Brontë"]:
        SignatureFactory(petition=petition, name=name)
    assert matched(rule(petition, RuleKind.NAME_PATTERN, name_pattern=pattern)) == matches


@pytest.mark.parametrize(
    "name",
    ["100% real_name", "Dr. J. (Jo) Smith", "[a-z]+ $1 ^x| \\d{2}?", "O'Brien-Smith"],
)
def test_everything_but_the_star_in_a_name_pattern_is_literal(petition, name):
    SignatureFactory(petition=petition, name=name)
    # Each is what a LIKE or a regular expression would read as a wildcard or a class.
    lookalikes = {
        "100% real_name": ["100 percent realXname", "100% realXname", "100%% real_name"],
        "Dr. J. (Jo) Smith": ["DrX JX (Jo) Smith", "Dr. J. Jo Smith"],
        "[a-z]+ $1 ^x| \\d{2}?": ["ab $1 ^x| 12", "a $1 x"],
        "O'Brien-Smith": ["O'BrienXSmith"],
    }[name]
    for lookalike in lookalikes:
        SignatureFactory(petition=petition, name=lookalike)
    assert matched(rule(petition, RuleKind.NAME_PATTERN, name_pattern=name)) == {name}


def test_wildcard_characters_of_like_and_regular_expressions_around_a_star_stay_literal(petition):
    for name in ["100% sure", "1000 sure", "under_score", "underscore", "a.b", "axb"]:
        SignatureFactory(petition=petition, name=name)
    assert matched(rule(petition, RuleKind.NAME_PATTERN, name_pattern="100%*")) == {"100% sure"}
    assert matched(rule(petition, RuleKind.NAME_PATTERN, name_pattern="*_*")) == {"under_score"}
    assert matched(rule(petition, RuleKind.NAME_PATTERN, name_pattern="*.*")) == {"a.b"}


def test_a_time_window_includes_its_start_and_excludes_its_end(petition):
    for name, minutes in [("Before", -1), ("At Start", 0), ("Inside", 30), ("At End", 60)]:
        SignatureFactory(
            petition=petition, name=name, created_at=NOON + datetime.timedelta(minutes=minutes)
        )
    window = rule(
        petition,
        RuleKind.TIME_WINDOW,
        starts_at=NOON,
        ends_at=NOON + datetime.timedelta(hours=1),
    )
    assert matched(window) == {"At Start", "Inside"}


def test_a_window_narrows_any_rule_and_either_end_may_be_left_open(petition):
    for name, hours in [("Early", -2), ("Midday", 0), ("Late", 2)]:
        SignatureFactory(
            petition=petition,
            name=name,
            ip_hash="shared",
            created_at=NOON + datetime.timedelta(hours=hours),
        )
    hour = datetime.timedelta(hours=1)
    assert matched(rule(petition, RuleKind.IP_HASH, ip_hash="shared", starts_at=NOON)) == {
        "Midday",
        "Late",
    }
    assert matched(rule(petition, RuleKind.IP_HASH, ip_hash="shared", ends_at=NOON)) == {"Early"}
    narrowed = rule(
        petition, RuleKind.IP_HASH, ip_hash="shared", starts_at=NOON - hour, ends_at=NOON + hour
    )
    assert matched(narrowed) == {"Midday"}


def test_only_the_petitions_own_counted_signatures_that_still_hold_personal_data_match(petition):
    original = SignatureFactory(petition=petition, name="Counted", ip_hash="x")
    SignatureFactory(petition=petition, name="Suspect", ip_hash="x", state=SignatureState.SUSPECT)
    SignatureFactory(
        petition=petition, name="Invalid", ip_hash="x", state=SignatureState.INVALIDATED
    )
    SignatureFactory(
        petition=petition,
        name="Duplicate",
        ip_hash="x",
        state=SignatureState.DUPLICATE,
        duplicate_of=original,
    )
    SignatureFactory(petition=PetitionPageFactory(), name="Elsewhere", ip_hash="x")
    anonymised = SignatureFactory(petition=petition, created_at=NOON)
    Signature.objects.filter(pk=anonymised.pk).update(**ANONYMISED_FIELDS, anonymised_at=NOON)

    assert matched(rule(petition, RuleKind.IP_HASH, ip_hash="x")) == {"Counted"}
    everyone = rule(
        petition,
        RuleKind.TIME_WINDOW,
        starts_at=NOON - datetime.timedelta(days=1),
        ends_at=NOON + datetime.timedelta(days=1),
    )
    assert anonymised.pk not in set(selectors.rule_matches(everyone).values_list("pk", flat=True))


# Making a rule


@pytest.mark.parametrize(
    ("kind", "value", "window", "field", "message"),
    [
        (RuleKind.IP_HASH, "", {}, "value", "Enter the IP hash"),
        (RuleKind.IP_HASH, "abc def", {}, "value", "no spaces"),
        (RuleKind.EMAIL_DOMAIN, "", {}, "value", "Enter the email domain"),
        (RuleKind.EMAIL_DOMAIN, "localhost", {}, "value", "like example.org"),
        (RuleKind.EMAIL_DOMAIN, "a@b.example", {}, "value", "like example.org"),
        (RuleKind.NAME_PATTERN, "", {}, "value", "Enter a name pattern"),
        (RuleKind.NAME_PATTERN, " ** * ", {}, "value", "besides *"),
        (RuleKind.TIME_WINDOW, "", {"starts_at": NOON}, "ends_at", "both a start and an end"),
        (RuleKind.TIME_WINDOW, "", {"ends_at": NOON}, "starts_at", "both a start and an end"),
        (
            RuleKind.IP_HASH,
            "abc",
            {"starts_at": NOON, "ends_at": NOON},
            "ends_at",
            "after its start",
        ),
    ],
)
def test_a_rule_that_cannot_work_is_refused_with_a_message_for_the_field_at_fault(
    petition, kind, value, window, field, message
):
    with pytest.raises(ApplicationError) as refused:
        services.rule_create(petition=petition, kind=kind, value=value, note="x", **window)
    assert message in refused.value.message
    assert refused.value.extra["field"] == field
    assert not InvalidationRule.objects.exists()


def test_a_new_rule_is_a_normalised_draft_that_changes_nothing(petition, moderator):
    signature = SignatureFactory(petition=petition, email="a@spam.example")
    made = services.rule_create(
        petition=petition,
        kind=RuleKind.EMAIL_DOMAIN,
        value="  @Spam.EXAMPLE ",
        note="  Bots  ",
        created_by=moderator,
    )
    assert (made.email_domain, made.note, made.created_by) == ("spam.example", "Bots", moderator)
    assert selectors.rule_state(made) == selectors.RuleState.DRAFT
    pattern = services.rule_create(
        petition=petition, kind=RuleKind.NAME_PATTERN, value="test**user", note="x"
    )
    assert pattern.name_pattern == "test*user"
    signature.refresh_from_db()
    assert signature.state == SignatureState.COUNTED


# Preview, apply, restore


def test_the_preview_counts_what_applying_moves_and_shows_initials_and_districts_only(petition):
    for n in range(7):
        SignatureFactory(
            petition=petition,
            name=f"Grace Brewster Hopper{n}",
            postcode="CR0 1NY",
            email=f"grace{n}@navy.example",
            ip_hash="ship",
            created_at=NOON + datetime.timedelta(minutes=n),
        )
    SignatureFactory(petition=petition, ip_hash="ship", state=SignatureState.SUSPECT)
    SignatureFactory(petition=petition, ip_hash="elsewhere")
    draft = InvalidationRuleFactory(petition=petition, ip_hash="ship")

    preview = selectors.rule_preview(draft)
    assert preview.count == 7
    assert len(preview.examples) == selectors.PREVIEW_EXAMPLES
    first = preview.examples[0]
    assert (first.initials, first.district, first.signed_at) == ("G. B. H.", "CR0", NOON)
    shown = repr(preview)
    assert "Grace" not in shown and "navy" not in shown and "1NY" not in shown

    applied = services.rule_apply(rule=draft)
    assert applied.signatures_affected == preview.count == 7


def test_applying_stops_the_matches_counting_and_keeps_them_on_record(petition, moderator):
    matches = SignatureFactory.create_batch(3, petition=petition, ip_hash="bot")
    SignatureFactory.create_batch(2, petition=petition)
    assert petition_selectors.signature_count(petition=petition) == 5
    draft = InvalidationRuleFactory(petition=petition, ip_hash="bot")

    applied = services.rule_apply(rule=draft, performed_by=moderator)

    assert petition_selectors.signature_count(petition=petition) == 2
    assert Signature.objects.filter(petition=petition).count() == 5
    assert applied.applied_at is not None
    assert applied.signatures_affected == 3
    assert selectors.rule_state(applied) == selectors.RuleState.APPLIED
    for signature in matches:
        signature.refresh_from_db()
        assert signature.state == SignatureState.INVALIDATED
        assert signature.state_changed_at == applied.applied_at
    assert set(
        RuleInvalidation.objects.filter(rule=applied).values_list("signature_id", flat=True)
    ) == {signature.pk for signature in matches}
    entry = ModelLogEntry.objects.get(action=services.LOG_APPLY)
    assert (entry.user_id, entry.data, entry.object_id) == (
        moderator.pk,
        {"signatures": 3},
        str(applied.pk),
    )


def test_a_rule_is_applied_only_once(petition):
    SignatureFactory(petition=petition, ip_hash="bot")
    draft = InvalidationRuleFactory(petition=petition, ip_hash="bot")
    services.rule_apply(rule=draft)
    SignatureFactory(petition=petition, ip_hash="bot")  # came later: a new rule would catch it
    with pytest.raises(ApplicationError, match="already been applied"):
        services.rule_apply(rule=draft)
    assert RuleInvalidation.objects.filter(rule=draft).count() == 1
    assert petition_selectors.signature_count(petition=petition) == 1


def test_restoring_counts_again_exactly_the_signatures_the_rule_moved(petition, moderator):
    by_hand = SignatureFactory(petition=petition, ip_hash="bot")
    petition_services.signature_invalidate(signature=by_hand)  # before the rule
    moved = SignatureFactory.create_batch(4, petition=petition, ip_hash="bot")
    SignatureFactory(petition=petition, ip_hash="bot", state=SignatureState.SUSPECT)
    applied = services.rule_apply(rule=InvalidationRuleFactory(petition=petition, ip_hash="bot"))
    assert petition_selectors.signature_count(petition=petition) == 0

    result = services.rule_restore(rule=applied, performed_by=moderator)

    assert (result.restored, result.left) == (4, 0)
    assert petition_selectors.signature_count(petition=petition) == 4
    assert set(
        Signature.objects.filter(state=SignatureState.COUNTED).values_list("pk", flat=True)
    ) == {signature.pk for signature in moved}
    by_hand.refresh_from_db()
    assert by_hand.state == SignatureState.INVALIDATED
    assert selectors.rule_state(result.rule) == selectors.RuleState.RESTORED
    assert ModelLogEntry.objects.get(action=services.LOG_RESTORE).data == {"signatures": 4}


def test_restoring_leaves_alone_signatures_changed_since_the_rule_moved_them(petition):
    untouched, hand_restored, reinvalidated, retaken, anonymised = SignatureFactory.create_batch(
        5, petition=petition, ip_hash="bot"
    )
    first = services.rule_apply(rule=InvalidationRuleFactory(petition=petition, ip_hash="bot"))
    # A moderator restores one by hand, and restores then invalidates another again.
    petition_services.signature_restore(signature=hand_restored)
    petition_services.signature_restore(signature=reinvalidated)
    petition_services.signature_invalidate(signature=reinvalidated)
    # A later rule takes one back after a moderator restored it.
    petition_services.signature_restore(signature=retaken)
    later = services.rule_apply(
        rule=InvalidationRuleFactory(
            petition=petition, kind=RuleKind.NAME_PATTERN, ip_hash="", name_pattern=retaken.name
        )
    )
    # Retention removes one signer's personal data.
    Signature.objects.filter(pk=anonymised.pk).update(
        **ANONYMISED_FIELDS, anonymised_at=timezone.now()
    )

    assert selectors.rule_signatures_to_restore(first).count() == 1
    result = services.rule_restore(rule=first)

    assert (result.restored, result.left) == (1, 4)
    states = dict(Signature.objects.values_list("pk", "state"))
    assert states == {
        untouched.pk: SignatureState.COUNTED,
        hand_restored.pk: SignatureState.COUNTED,
        reinvalidated.pk: SignatureState.INVALIDATED,
        retaken.pk: SignatureState.INVALIDATED,
        anonymised.pk: SignatureState.INVALIDATED,
    }
    # The later rule still gives back the one it took.
    assert services.rule_restore(rule=later).restored == 1
    retaken.refresh_from_db()
    assert retaken.state == SignatureState.COUNTED


def test_a_rule_is_restored_only_once_and_only_after_it_was_applied(petition):
    SignatureFactory(petition=petition, ip_hash="bot")
    draft = InvalidationRuleFactory(petition=petition, ip_hash="bot")
    with pytest.raises(ApplicationError, match="not been applied"):
        services.rule_restore(rule=draft)
    services.rule_apply(rule=draft)
    services.rule_restore(rule=draft)
    with pytest.raises(ApplicationError, match="already been restored"):
        services.rule_restore(rule=draft)
    with pytest.raises(ApplicationError, match="already been applied"):
        services.rule_apply(rule=draft)
    assert petition_selectors.signature_count(petition=petition) == 1


def test_only_a_draft_can_be_deleted(petition):
    draft = InvalidationRuleFactory(petition=petition)
    applied = services.rule_apply(rule=InvalidationRuleFactory(petition=petition))
    services.rule_delete(rule=draft)
    with pytest.raises(ApplicationError, match="kept on record"):
        services.rule_delete(rule=applied)
    assert list(InvalidationRule.objects.all()) == [applied]


def test_applying_and_restoring_forget_the_cached_count_once_committed(
    petition, settings, django_capture_on_commit_callbacks
):
    settings.UNDERSIGNED_COUNT_CACHE_SECONDS = 60
    SignatureFactory.create_batch(3, petition=petition, ip_hash="bot")
    assert petition_selectors.signature_count(petition=petition) == 3  # now cached
    draft = InvalidationRuleFactory(petition=petition, ip_hash="bot")

    with django_capture_on_commit_callbacks(execute=True):
        services.rule_apply(rule=draft)
    assert petition_selectors.signature_count(petition=petition) == 0

    with django_capture_on_commit_callbacks(execute=True):
        services.rule_restore(rule=draft)
    assert petition_selectors.signature_count(petition=petition) == 3


def test_applying_and_restoring_take_as_many_statements_for_30_signatures_as_for_3(petition):
    def statements(signatures: int) -> tuple[int, int]:
        target = PetitionPageFactory()
        SignatureFactory.create_batch(signatures, petition=target, ip_hash="bot")
        draft = InvalidationRuleFactory(petition=target, ip_hash="bot")
        with CaptureQueriesContext(connection) as applying:
            applied = services.rule_apply(rule=draft)
        with CaptureQueriesContext(connection) as restoring:
            assert services.rule_restore(rule=applied).restored == signatures
        assert RuleInvalidation.objects.filter(rule=applied).count() == signatures
        return len(applying), len(restoring)

    assert statements(3) == statements(30)
