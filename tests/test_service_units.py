"""Small pure pieces of the service: filenames, API keys, configuration, CSV."""

from __future__ import annotations

import csv
import io

import pytest

from service.config import ConfigError, load_settings
from service.security import key_is_valid
from service.uploads import looks_like_pdf, sanitize_filename
from service.views import table_csv
from workers.model import Column, Row, Table


@pytest.mark.parametrize(("raw", "clean"), [
    ("budget.pdf", "budget.pdf"),
    ("2025年特克斯县人社局部门预算.pdf", "2025年特克斯县人社局部门预算.pdf"),
    ("../../etc/passwd", "passwd"),
    ("C:\\Users\\me\\预算（2025）.pdf", "预算(2025).pdf"),  # NFKC turns full-width brackets half-width
    ("a\x00b\r\nc.pdf", "abc.pdf"),
    ("<img src=x onerror=alert(1)>.pdf", "_img src_x onerror_alert(1)_.pdf"),
    ("...", "upload.pdf"),
    ("", "upload.pdf"),
    (None, "upload.pdf"),
    ("x" * 500 + ".pdf", "x" * 200),
])
def test_sanitize_filename(raw, clean):
    assert sanitize_filename(raw) == clean


def test_sanitized_names_never_hold_a_path():
    for raw in ("/abs/path.pdf", "..\\..\\win.pdf", "a/../../b.pdf", "\u202egnp.pdf"):
        name = sanitize_filename(raw)
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert "\u202e" not in name


def test_pdf_signature_is_read_from_the_bytes():
    assert looks_like_pdf(b"%PDF-1.7\n...")
    assert looks_like_pdf(b"\xef\xbb\xbf junk %PDF-1.4")
    assert not looks_like_pdf(b"PK\x03\x04 a zip named .pdf")
    assert not looks_like_pdf(b" " * 2000 + b"%PDF-1.4")


def test_api_keys_compare_against_every_key():
    keys = ("alpha", "beta-key")
    assert key_is_valid("alpha", keys)
    assert key_is_valid("beta-key", keys)
    assert not key_is_valid("alph", keys)
    assert not key_is_valid("alpha ", keys)
    assert not key_is_valid("", keys)
    assert not key_is_valid("anything", ())


def test_configuration_from_the_environment():
    s = load_settings({"MAX_UPLOAD_MB": "7", "API_KEYS": " a, b ,,", "CORS_ORIGINS": "https://x.example",
                       "JOB_TIMEOUT_S": "30", "QUEUE_MAX": "5"})
    assert s.max_upload_bytes == 7 * 1024 * 1024
    assert s.api_keys == ("a", "b")
    assert s.cors_origins == ("https://x.example",)
    assert (s.job_timeout_s, s.queue_max) == (30, 5)
    defaults = load_settings({})
    assert defaults.max_upload_mb == 50 and defaults.api_keys == () and defaults.redis_url == ""


@pytest.mark.parametrize("env", [{"MAX_UPLOAD_MB": "lots"}, {"MAX_UPLOAD_MB": "0"}, {"JOB_TIMEOUT_S": "-1"}])
def test_bad_configuration_is_refused_with_the_variable_named(env):
    with pytest.raises(ConfigError) as caught:
        load_settings(env)
    assert next(iter(env)) in str(caught.value)


def test_table_csv_has_bom_labels_and_blank_cells():
    table = Table(number=3, key="expenditure", title="部门支出总体情况表",
                  columns=[Column(key="total", label="合计"), Column(key="basic", label="基本支出")],
                  rows=[Row(kind="total", name="合计", values={"total": 1234.5, "basic": None}),
                        Row(kind="line", code="2080101", level=3, name="行政运行",
                            values={"total": 7446.83, "basic": 7446.83})])
    data = table_csv(table)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8"))))
    assert rows == [["类型", "编码", "名称", "合计", "基本支出"],
                    ["total", "", "合计", "1234.50", ""],
                    ["line", "2080101", "行政运行", "7446.83", "7446.83"]]
