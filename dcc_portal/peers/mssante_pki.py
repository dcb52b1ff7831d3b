"""The certificates of the local MSSanté operator, generated at set-up (never committed): a test CA standing in for
the IGC Santé, the operator's server certificate (localhost) and the portal's client certificate (an application
certificate, "personne morale"). `python -m dcc_portal mssante-pki --dir var/mssante` writes them when missing.

Files: ca.pem / ca.key, server.pem / server.key, client.pem / client.key. Private keys are written 0600.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = dt.timedelta(days=825)


@dataclass(frozen=True)
class Pki:
    folder: Path

    def path(self, name: str) -> Path:
        return self.folder / name

    @property
    def ca(self) -> Path:
        return self.path("ca.pem")

    @property
    def server(self) -> tuple[Path, Path]:
        return self.path("server.pem"), self.path("server.key")

    @property
    def client(self) -> tuple[Path, Path]:
        return self.path("client.pem"), self.path("client.key")


def _name(common: str, unit: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ONCO-DEMO (test)"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit),
        x509.NameAttribute(NameOID.COMMON_NAME, common),
    ])


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _issue(subject: x509.Name, key, issuer: x509.Name, issuer_key, *, now: dt.datetime, ca: bool = False,
           usage=None, names: list | None = None) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
               .not_valid_after(now + VALIDITY)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def ensure(folder: Path | str, *, client_name: str = "dcc-portal.onco-demo.test") -> Pki:
    """Write the test CA, the server and the client certificates unless they are all there already."""
    pki = Pki(Path(folder))
    names = ("ca.pem", "ca.key", "server.pem", "server.key", "client.pem", "client.key")
    if all(pki.path(name).exists() for name in names):
        return pki
    pki.folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("AC de test MSSanté (non IGC Santé)", "Autorité de test")
    ca_cert = _issue(ca_name, ca_key, ca_name, ca_key, now=now, ca=True)
    _write_key(pki.path("ca.key"), ca_key)
    _write_cert(pki.ca, ca_cert)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _issue(_name("localhost", "Opérateur MSSanté de test"), server_key, ca_name, ca_key, now=now,
                         usage=ExtendedKeyUsageOID.SERVER_AUTH,
                         names=[x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    _write_key(pki.server[1], server_key)
    _write_cert(pki.server[0], server_cert)
    issue_client(pki, client_name, ca_cert=ca_cert, ca_key=ca_key, now=now)
    return pki


def issue_client(pki: Pki, common_name: str, *, ca_cert=None, ca_key=None, now: dt.datetime | None = None,
                 out: tuple[Path, Path] | None = None) -> tuple[Path, Path]:
    """A client (application) certificate signed by the test CA (by default the portal's own, client.pem/.key)."""
    if ca_cert is None:
        ca_cert = x509.load_pem_x509_certificate(pki.ca.read_bytes())
        ca_key = serialization.load_pem_private_key(pki.path("ca.key").read_bytes(), password=None)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _issue(_name(common_name, "Certificat applicatif de test"), key, ca_cert.subject, ca_key,
                  now=now or dt.datetime.now(dt.UTC), usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    cert_path, key_path = out or pki.client
    _write_key(key_path, key)
    _write_cert(cert_path, cert)
    return cert_path, key_path


def common_name_of(cert_path: Path | str) -> str:
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return next((attribute.value for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)), "")
