"""Private keys for `set-tls-private-key` and the certificate a server really presents.

Keys are made on the test machine with the `openssl` command (no Python crypto library is
needed for this one check); the private key only ever travels in a file: to `openssl` on its
stdin, and to the action through jubilant's `--params` file. The served certificate is read
from inside the cluster (the pod names resolve only there; kafka_helpers says why), with
`openssl s_client` where the image has it, else the JDK's `keytool -printcert -sslserver`,
which every rock here has.
"""

from __future__ import annotations

import base64
import shlex
import shutil
import subprocess

import pytest

from helpers import ContainerShell, Secret

CERTIFICATE = "-----BEGIN CERTIFICATE-----"
CERTIFICATE_END = "-----END CERTIFICATE-----"


def _openssl(*args: str, stdin: str = "") -> str:
    if shutil.which("openssl") is None:
        pytest.skip("the `openssl` command is not installed on the test machine (keys are made with it)")
    done = subprocess.run(["openssl", *args], input=stdin, capture_output=True, text=True, check=False)
    # stderr may quote the input (a key); only the exit code is reported.
    assert done.returncode == 0, f"openssl {args[0]} failed with exit code {done.returncode}"
    return done.stdout


def generate_rsa_key(bits: int = 2048) -> Secret:
    """A fresh unencrypted RSA key, PKCS#8 PEM, as a Secret (it is masked in every log)."""
    return Secret(_openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}"))


def base64_pem(key: Secret) -> Secret:
    """The key the other way the action takes it: base64 of the PEM, on one line."""
    return Secret(base64.b64encode(key.reveal().encode()).decode())


def public_key_of_private_key(key: Secret) -> str:
    """The SubjectPublicKeyInfo PEM of a private key."""
    return _normalise(_openssl("pkey", "-pubout", stdin=key.reveal()))


def public_key_of_certificate(certificate_pem: str) -> str:
    """The SubjectPublicKeyInfo PEM of a certificate."""
    return _normalise(_openssl("x509", "-noout", "-pubkey", stdin=certificate_pem))


def _normalise(pem: str) -> str:
    return "".join(pem.split())


def served_certificate(shell: ContainerShell, host: str, port: int) -> str:
    """The leaf certificate (PEM) the TLS server at `host:port` presents, as seen from the
    container of `shell`. No trust decision is made: only the certificate is wanted."""
    address = shlex.quote(f"{host}:{port}")
    run = shell.run(
        "if command -v openssl >/dev/null 2>&1; then\n"
        f"  bounded 30 openssl s_client -connect {address} -servername {shlex.quote(host)} </dev/null\n"
        "else\n"
        f'  bounded 60 "$JAVA_HOME/bin/keytool" -printcert -rfc -sslserver {address}\n'
        "fi"
    )
    start = run.output.find(CERTIFICATE)
    end = run.output.find(CERTIFICATE_END, start)
    assert start >= 0 and end > start, f"{host}:{port} presented no certificate:\n{run.tail()}"
    # The first certificate printed is the server's own (keytool prints the chain leaf first).
    return run.output[start : end + len(CERTIFICATE_END)] + "\n"


def assert_serves_key(shell: ContainerShell, host: str, port: int, key: Secret) -> None:
    """The certificate presented at `host:port` holds the public half of `key`."""
    presented = public_key_of_certificate(served_certificate(shell, host, port))
    assert presented == public_key_of_private_key(key), (
        f"{host}:{port} still presents a certificate for another key"
    )
