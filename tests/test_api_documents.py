"""End to end through HTTP: every corpus PDF uploaded, parsed by a real worker, every endpoint decoded."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from concurrent.futures import ThreadPoolExecutor

import msgspec
import pytest

from service.schemas import DepartmentEntry, DocumentList, DocumentStatus, Health, Readiness, UploadAccepted
from workers.model import BudgetDocument, Carryover, Check, Department, DepartmentPerformance, Project, Table

from .conftest import upload, wait_finished


@pytest.fixture(scope="module")
def parsed(client, corpus_pdfs) -> dict[str, tuple[bytes, DocumentStatus]]:
    """Every corpus PDF uploaded at once and parsed: {id: (bytes, final status)}."""
    datas = {path.name: path.read_bytes() for path in corpus_pdfs}

    def send(item):
        name, data = item
        response = upload(client, data, name)
        assert response.status_code in (200, 202), response.text
        return name, msgspec.json.decode(response.content, type=UploadAccepted)

    with ThreadPoolExecutor(len(datas)) as pool:
        accepted = dict(pool.map(send, datas.items()))
    out = {}
    for name, acc in accepted.items():
        assert acc.id == hashlib.sha256(datas[name]).hexdigest()
        assert acc.status_url == f"/v1/documents/{acc.id}"
        assert acc.result_url == f"/v1/documents/{acc.id}/result"
        final = msgspec.convert(wait_finished(client, acc.id), DocumentStatus)
        out[acc.id] = (datas[name], final)
    return out


def decode(response, type_):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return msgspec.json.decode(response.content, type=type_)


def test_every_corpus_pdf_parses(parsed, corpus_pdfs):
    assert len(parsed) == len(corpus_pdfs)
    for _, status in parsed.values():
        assert status.status == "done", status.error
        assert status.error is None
        assert status.page_count and status.page_count > 0
        assert status.started_at and status.finished_at and status.submitted_at <= status.started_at
        assert status.started_at <= status.finished_at
        assert status.filename.endswith(".pdf")
        assert status.counts is not None


def test_result_is_the_whole_document(client, parsed):
    for doc_id, (_, status) in parsed.items():
        document = decode(client.get(f"/v1/documents/{doc_id}/result"), BudgetDocument)
        assert document.id == doc_id
        assert document.page_count == status.page_count
        assert document.parser_version == status.parser_version
        assert len(document.tables) == status.counts.tables
        assert len(document.projects) == status.counts.projects
        assert status.department.name == document.department.name


def test_result_is_sent_compressed_to_clients_that_accept_gzip(client, parsed):
    doc_id = next(iter(parsed))
    plain = client.get(f"/v1/documents/{doc_id}/result", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    raw = client.build_request("GET", f"/v1/documents/{doc_id}/result", headers={"Accept-Encoding": "gzip"})
    zipped = client.send(raw, stream=True)
    body = b"".join(zipped.iter_raw())
    assert zipped.headers["content-encoding"] == "gzip"
    assert gzip.decompress(body) == plain.content


def test_parts_match_the_result(client, parsed):
    for doc_id in parsed:
        base = f"/v1/documents/{doc_id}"
        document = decode(client.get(f"{base}/result"), BudgetDocument)
        assert decode(client.get(f"{base}/department"), Department) == document.department
        assert decode(client.get(f"{base}/tables"), list[Table]) == document.tables
        assert decode(client.get(f"{base}/projects"), list[Project]) == document.projects
        assert decode(client.get(f"{base}/carryovers"), list[Carryover]) == document.carryovers
        assert decode(client.get(f"{base}/performance"), DepartmentPerformance | None) == document.performance
        assert decode(client.get(f"{base}/checks"), list[Check]) == document.checks
        for table in document.tables:
            assert decode(client.get(f"{base}/tables/{table.number}"), Table) == table
            assert decode(client.get(f"{base}/tables/{table.key}"), Table) == table
        for project in document.projects:
            assert decode(client.get(f"{base}/projects/{project.id}"), Project) == project


def test_table_csv_opens_in_excel(client, parsed):
    checked = 0
    for doc_id in parsed:
        document = decode(client.get(f"/v1/documents/{doc_id}/result"), BudgetDocument)
        for table in document.tables:
            for ref in (table.number, table.key):
                response = client.get(f"/v1/documents/{doc_id}/tables/{ref}.csv")
                assert response.status_code == 200
                assert response.headers["content-type"].startswith("text/csv")
                assert response.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads it as UTF-8
                rows = list(csv.reader(io.StringIO(response.content[3:].decode("utf-8"))))
                header = rows[0]
                assert header[-len(table.columns):] == [c.label for c in table.columns] if table.columns else True
                assert "名称" in header
                assert len(rows) - 1 == len(table.rows)
                checked += 1
    assert checked > 0, "no document had a table to export"


def test_status_and_list(client, parsed):
    listed = decode(client.get("/v1/documents", params={"limit": 500}), DocumentList)
    ids = {item.id for item in listed.items}
    assert set(parsed) <= ids
    assert listed.total >= len(parsed)
    done = decode(client.get("/v1/documents", params={"status": "done", "limit": 500}), DocumentList)
    assert all(item.status == "done" for item in done.items)
    failed = decode(client.get("/v1/documents", params={"status": "failed", "limit": 500}), DocumentList)
    assert not set(parsed) & {item.id for item in failed.items}
    page = decode(client.get("/v1/documents", params={"limit": 1, "offset": 1}), DocumentList)
    assert len(page.items) == 1 and page.offset == 1 and page.limit == 1
    assert page.items[0].id == listed.items[1].id


def test_list_filters_by_department_and_year(client, parsed):
    for _, status in parsed.values():
        name = status.department.name if status.department else None
        if not name:
            continue
        found = decode(client.get("/v1/documents", params={"department": name, "limit": 500}), DocumentList)
        assert status.id in {item.id for item in found.items}
        assert all(item.department.name == name for item in found.items)
    nobody = decode(client.get("/v1/documents", params={"department": "不存在的部门"}), DocumentList)
    assert nobody.total == 0 and nobody.items == []
    far = decode(client.get("/v1/documents", params={"year": 1901}), DocumentList)
    assert far.total == 0


def test_departments_index_lists_every_parsed_department_year(client, parsed):
    index = decode(client.get("/v1/departments"), list[DepartmentEntry])
    seen = {(entry.name, year.year): year for entry in index for year in entry.years}
    for doc_id, (_, status) in parsed.items():
        dept = status.department
        if dept and dept.name and dept.year is not None:
            assert doc_id in seen[(dept.name, dept.year)].documents
            latest = decode(client.get(f"/v1/departments/{dept.name}/{dept.year}"), BudgetDocument)
            assert latest.id == seen[(dept.name, dept.year)].latest


def test_operations_endpoints(client):
    assert decode(client.get("/healthz"), Health).status == "ok"
    ready = decode(client.get("/readyz"), Readiness)
    assert ready.redis and ready.workers >= 1
    page = client.get("/schema")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert client.get("/schema/openapi.json").json()["openapi"].startswith("3.1")
