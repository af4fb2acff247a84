from django import forms

from crm.forms import FastSelect


class PlaceForm(forms.Form):
    place = forms.ChoiceField(
        choices=[
            ("", "Pick one"),
            ("Europe", [("Europe/Paris", "Paris"), ("Europe/Oslo", "Oslo")]),
            ("x<y", "Less & more"),
        ],
        widget=FastSelect,
        required=False,
    )


def test_fast_select_renders_like_a_select_with_the_value_selected():
    html = str(PlaceForm(initial={"place": "Europe/Oslo"})["place"])
    assert html.startswith('<select id="id_place" name="place">')
    assert '<optgroup label="Europe"><option value="Europe/Paris">Paris</option>' in html
    assert '<option value="Europe/Oslo" selected>Oslo</option>' in html
    assert html.count(" selected") == 1


def test_fast_select_escapes_values_and_labels():
    html = str(PlaceForm(initial={"place": "x<y"})["place"])
    assert '<option value="x&lt;y" selected>Less &amp; more</option>' in html


def test_fast_select_with_a_bound_value_and_none():
    assert " selected>Paris" in str(PlaceForm({"place": "Europe/Paris"})["place"])
    assert " selected" not in str(PlaceForm()["place"]).replace('value="" selected', "")
