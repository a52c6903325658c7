"""What a team puts in front of ``chroma run``, on loopback, for tests: a reverse proxy that
can demand a bearer token (nginx's token map in docs/team.md) and can terminate TLS with a
certificate from a private CA made here with the ``cryptography`` package.

    ca = make_ca(tmp_path)                               # ca.pem (the CA), server cert + key for 127.0.0.1
    with ChromaProxy(chroma_url, token="s3cret", tls=ca) as proxy:
        proxy.url                                        # https://127.0.0.1:PORT
        proxy.seen                                       # the Authorization header of each request

The proxy strips the Authorization header before forwarding, so Chroma never sees a token, and
records for each request whether it came over TLS. One thread per connection; the TLS handshake
happens in that thread, so a client that refuses the certificate cannot stall the others.
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


@dataclass
class TestCA:
    ca_pem: Path       # the authority's certificate: what SSL_CERT_FILE names to trust it
    cert_pem: Path     # the server's certificate (SAN 127.0.0.1, localhost), signed by the CA
    key_pem: Path      # the server's private key


TestCA.__test__ = False  # not a test class


def make_ca(directory: Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> TestCA:
    """A private CA and a server certificate for ``hosts`` (valid from an hour ago for a day)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Hearth test team CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(hours=1))
          .not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    names: list[x509.GeneralName] = []
    for h in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(h)))
        except ValueError:
            names.append(x509.DNSName(h))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    out = TestCA(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    out.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    out.cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    out.key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    return out


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    tls: ssl.SSLContext | None = None
    handshake_failures = 0

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is not None:  # handshake here, in the connection's own thread
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                self.handshake_failures += 1
                return
        super().finish_request(request, client_address)


class ChromaProxy:
    """See module doc. ``token=None`` lets every request through (a plain TLS terminator);
    ``host`` is the address it listens on (a non-loopback one plays a server off this computer)."""

    def __init__(self, upstream: str, token: str | None = None, tls: TestCA | None = None,
                 host: str = "127.0.0.1") -> None:
        up = urlsplit(upstream)
        self.seen: list[str] = []            # Authorization header per request ("" = none)
        self.over_tls: list[bool] = []       # per request: did it arrive over TLS?
        seen, over_tls = self.seen, self.over_tls

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                auth = self.headers.get("Authorization", "")
                seen.append(auth)
                over_tls.append(isinstance(self.connection, ssl.SSLSocket))
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if token is not None and auth != f"Bearer {token}":
                    page = b"<html><head><title>401 Authorization Required</title></head><body></body></html>"
                    self.send_response(401)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    self.wfile.write(page)
                    return
                conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("transfer-encoding", "content-length", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _forward

        self.server = _Server((host, 0), Handler)
        if tls is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(tls.cert_pem, tls.key_pem)
            self.server.tls = ctx
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://{host}:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="chroma-proxy", daemon=True)
        self._thread.start()

    @property
    def handshake_failures(self) -> int:
        return self.server.handshake_failures

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ChromaProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
