"""C1: what a tenant may configure as a customer field, and how each kind checks its values."""

import pytest

from crmkit.errors import InvalidInput
from customers.domain.fields import (
    CHOICE,
    DATE,
    NUMBER,
    TEXT,
    FieldDefinition,
    define_field,
    field_value_errors,
    value_error,
)


def definition(**overrides):
    args = {"key": "birthday", "label": "Birthday", "kind": DATE, "required": False, "options": (), "position": 0}
    args.update(overrides)
    return define_field(**args)


def test_c1_valid_definition_is_normalised():
    d = definition(label="  Level ", kind=CHOICE, options=[" gold", "silver "], required=True, position=3)
    assert d == FieldDefinition("birthday", "Level", CHOICE, True, ("gold", "silver"), 3)


@pytest.mark.parametrize(
    "overrides, field, key",
    [
        ({"key": ""}, "field.key", "validation.required"),
        ({"key": "Birthday"}, "field.key", "validation.invalid"),
        ({"key": "1st"}, "field.key", "validation.invalid"),
        ({"key": "has-dash"}, "field.key", "validation.invalid"),
        ({"key": "a" * 41}, "field.key", "validation.invalid"),
        ({"key": "level\n"}, "field.key", "validation.invalid"),
        ({"label": "   "}, "field.label", "validation.required"),
        ({"label": "x" * 31}, "field.label", "validation.too_long"),
        ({"kind": ""}, "field.kind", "validation.required"),
        ({"kind": "colour"}, "field.kind", "validation.invalid"),
        ({"position": -1}, "field.position", "validation.invalid"),
        ({"kind": TEXT, "options": ["a"]}, "field.options", "validation.invalid"),
        ({"kind": CHOICE, "options": []}, "field.options", "validation.required"),
        ({"kind": CHOICE, "options": [str(i) for i in range(51)]}, "field.options", "validation.too_long"),
        ({"kind": CHOICE, "options": ["a", " "]}, "field.options", "validation.invalid"),
        ({"kind": CHOICE, "options": ["a", "a "]}, "field.options", "validation.invalid"),
        ({"kind": CHOICE, "options": ["x" * 51]}, "field.options", "validation.too_long"),
    ],
)
def test_c1_invalid_definition_names_the_part(overrides, field, key):
    with pytest.raises(InvalidInput) as err:
        definition(**overrides)
    assert err.value.fields == {field: key}
    assert err.value.code == "FIELD_DEFINITION_INVALID"


@pytest.mark.parametrize(
    "overrides",
    [
        {"key": "a"},
        {"key": "a" * 40},
        {"key": "a_1"},
        {"label": "x" * 30},
        {"kind": CHOICE, "options": [str(i) for i in range(50)]},
        {"kind": NUMBER, "position": 0},
    ],
)
def test_c1_definition_limits_are_inclusive(overrides):
    definition(**overrides)


def test_c1_every_bad_part_is_reported_at_once():
    with pytest.raises(InvalidInput) as err:
        define_field(key="", label="", kind="", required=False, options=(), position=-5)
    assert set(err.value.fields) == {"field.key", "field.label", "field.kind", "field.position"}


TEXT_F = FieldDefinition("note", "Note", TEXT)
NUMBER_F = FieldDefinition("age", "Age", NUMBER)
DATE_F = FieldDefinition("birthday", "Birthday", DATE)
CHOICE_F = FieldDefinition("level", "Level", CHOICE, options=("gold", "silver"))


@pytest.mark.parametrize(
    "field, value, expected",
    [
        (TEXT_F, "x" * 500, None),
        (TEXT_F, "x" * 501, "validation.too_long"),
        (NUMBER_F, "42", None),
        (NUMBER_F, "-3.25", None),
        (NUMBER_F, "abc", "validation.not_a_number"),
        (NUMBER_F, "1e5", "validation.not_a_number"),
        (NUMBER_F, "NaN", "validation.not_a_number"),
        (NUMBER_F, "1.", "validation.not_a_number"),
        (DATE_F, "2024-02-29", None),
        (DATE_F, "2025-02-29", "validation.invalid_date"),
        (DATE_F, "20240101", "validation.invalid_date"),
        (DATE_F, "2024/01/01", "validation.invalid_date"),
        (DATE_F, "2024-13-01", "validation.invalid_date"),
        (CHOICE_F, "gold", None),
        (CHOICE_F, "Gold", "validation.invalid_choice"),
        (CHOICE_F, "bronze", "validation.invalid_choice"),
    ],
)
def test_c1_value_is_checked_by_kind(field, value, expected):
    assert value_error(field, value) == expected


def test_c1_all_value_problems_are_reported_at_once():
    definitions = [TEXT_F, NUMBER_F, DATE_F, CHOICE_F, FieldDefinition("vip", "VIP", TEXT, required=True)]
    clean, errors = field_value_errors(
        definitions, {"note": "ok", "age": "old", "birthday": "yesterday", "level": "bronze", "colour": "red"}
    )
    assert clean == {"note": "ok"}
    assert errors == {
        "fields.age": "validation.not_a_number",
        "fields.birthday": "validation.invalid_date",
        "fields.level": "validation.invalid_choice",
        "fields.colour": "validation.unknown_field",
        "fields.vip": "validation.required",
    }


@pytest.mark.parametrize("value", [None, "", "   "])
def test_c1_blank_value_of_required_field_is_missing(value):
    values = {} if value is None else {"vip": value}
    _, errors = field_value_errors([FieldDefinition("vip", "VIP", TEXT, required=True)], values)
    assert errors == {"fields.vip": "validation.required"}


def test_c1_blank_optional_value_is_dropped_and_values_are_trimmed():
    clean, errors = field_value_errors([TEXT_F, NUMBER_F], {"note": "  ", "age": " 7 "})
    assert (clean, errors) == ({"age": "7"}, {})


def test_c1_invalid_required_value_is_reported_as_invalid_not_missing():
    _, errors = field_value_errors([FieldDefinition("age", "Age", NUMBER, required=True)], {"age": "x"})
    assert errors == {"fields.age": "validation.not_a_number"}
