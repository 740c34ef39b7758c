import pytest

from campus.exports import spreadsheet_cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM", "'@SUM"),
        ("\tx", "'\tx"),
        ("Maya Chen", "Maya Chen"),
        (None, ""),
        (42, "42"),
        ("", ""),
    ],
)
def test_spreadsheet_cell_neutralises_formulas(value, cell):
    assert spreadsheet_cell(value) == cell


def test_download_response_is_a_private_attachment_with_a_safe_name(app):
    from campus.exports import download_response

    response = download_response("a,b\n", "text/csv", 'roster "Zoë" 2026.csv')
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"roster 'Zo?' 2026.csv\"")
    assert "filename*=UTF-8''roster%20%22Zo%C3%AB%22%202026.csv" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.mimetype == "text/csv"
