"""A throw-away certificate authority and a server certificate for 127.0.0.1 / localhost.

Tests connect with real certificate verification against `ca_file`, so TLS code paths are
exercised exactly as in production (no `CERT_NONE` shortcuts).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .errors import ServerError, missing

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:  # the openssl CLI fallback below covers it
    x509 = None  # type: ignore[assignment]

SERVER_NAMES = ("localhost",)
SERVER_IPS = ("127.0.0.1",)


@dataclass(frozen=True)
class TlsFiles:
    """PEM paths: the CA that clients trust, and the server's certificate and key."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        """Server-side context for Python servers (aiosmtpd)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def client_context(self) -> ssl.SSLContext:
        """Client context that trusts only the test CA, with hostname checks on."""
        return ssl.create_default_context(cafile=str(self.ca_file))


def make_test_tls(directory: Path) -> TlsFiles:
    """Write a fresh CA and server certificate into `directory` (created if needed).

    The key is world-readable on purpose: it is throw-away and a server may read it as another
    user (dovecot's login processes).
    """
    directory.mkdir(parents=True, exist_ok=True)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    if x509 is not None:
        _write_with_cryptography(files)
    else:
        _write_with_openssl(files)
    for path in (files.ca_file, files.cert_file, files.key_file):
        os.chmod(path, 0o644)
    return files


def _write_with_cryptography(files: TlsFiles) -> None:
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jobdigest test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    alt_names: list[x509.GeneralName] = [x509.DNSName(name) for name in SERVER_NAMES]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in SERVER_IPS]
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files.ca_file.write_bytes(ca_cert.public_bytes(pem))
    files.cert_file.write_bytes(cert.public_bytes(pem))
    files.key_file.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _key_usage(cert_sign: bool) -> x509.KeyUsage:
    """KeyUsage for a CA (signs certificates) or a TLS server (signs handshakes)."""
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _write_with_openssl(files: TlsFiles) -> None:
    """Fallback for machines without the `cryptography` package."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise missing("openssl (or the Python package cryptography)", "openssl")
    folder = files.ca_file.parent
    ca_key, csr, ext = folder / "ca.key", folder / "server.csr", folder / "server.ext"
    sans = [f"DNS:{name}" for name in SERVER_NAMES] + [f"IP:{ip}" for ip in SERVER_IPS]
    ext.write_text(
        "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\nsubjectAltName=" + ",".join(sans) + "\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _run([openssl, "req", "-x509", *ec, "-keyout", ca_key, "-out", files.ca_file,
          "-days", "30", "-subj", "/CN=jobdigest test CA",
          "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"])  # fmt: skip
    _run([openssl, "req", "-new", *ec, "-keyout", files.key_file, "-out", csr,
          "-subj", "/CN=localhost"])  # fmt: skip
    _run([openssl, "x509", "-req", "-in", csr, "-CA", files.ca_file, "-CAkey", ca_key,
          "-CAcreateserial", "-out", files.cert_file, "-days", "30", "-extfile", ext])  # fmt: skip


def _run(command: list[object]) -> None:
    result = subprocess.run([str(part) for part in command], capture_output=True, text=True)
    if result.returncode != 0:
        raise ServerError(f"{command[1]} {command[2]} failed: {result.stderr.strip()}")
