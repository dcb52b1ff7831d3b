"""Backup and restore round trip, on the database under test (SQLite, or PostgreSQL with TEST_DATABASE=postgres)."""

from __future__ import annotations

import io
import tarfile

import pytest
from sqlmodel import Session, select

from dcc_portal import backup
from dcc_portal import db as dbmod
from dcc_portal.models import Patient
from dcc_portal.services.access import audit
from dcc_portal.services.common import storage
from tests import factories


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("DCC_DATA_DIR", str(folder))
    return folder


def test_round_trip_restores_rows_files_and_the_audit_chain(db_url, data_dir, tmp_path):
    with dbmod.transaction(db_url) as session:
        patient = factories.patient(session, family="AVANT")
        audit.record(session, action="read", patient_id=patient.id, detail="avant la sauvegarde")
    name, digest = storage.put(b"%PDF-1.7 contenu du fichier")
    archive = tmp_path / "backup.tar"

    manifest = backup.backup(archive, url=db_url)
    assert manifest["files"] and tarfile.is_tarfile(archive)

    with dbmod.transaction(db_url) as session:
        factories.patient(session, family="APRES")
        session.delete(session.exec(select(Patient).where(Patient.birth_family_name == "AVANT")).one())
        audit.record(session, action="read", detail="après la sauvegarde")
    (data_dir / "files" / name[:2] / name).unlink()

    backup.restore(archive, url=db_url)

    with Session(dbmod.get_engine(db_url)) as session:
        families = set(session.exec(select(Patient.birth_family_name)).all())
        report = audit.verify(session)
    assert "AVANT" in families and "APRES" not in families
    assert report.ok and report.checked == 1
    assert storage.get(name) == b"%PDF-1.7 contenu du fichier"


def test_a_corrupted_archive_is_refused_and_changes_nothing(db_url, data_dir, tmp_path):
    with dbmod.transaction(db_url) as session:
        factories.patient(session, family="INTACT")
    archive = tmp_path / "backup.tar"
    backup.backup(archive, url=db_url)
    broken = tmp_path / "broken.tar"
    with tarfile.open(archive) as source, tarfile.open(broken, "w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == "database.dump":
                data = data[:-10] + b"0123456789"
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    with pytest.raises(ValueError, match="checksum"):
        backup.restore(broken, url=db_url)
    with Session(dbmod.get_engine(db_url)) as session:
        assert session.exec(select(Patient.birth_family_name)).all() == ["INTACT"]
