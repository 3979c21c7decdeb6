"""Run a parameterised notebook with papermill and export it to a self-contained HTML report.

Why here: the nightly job and the tests run notebooks the same way. The database URL is put
in the kernel's environment (``TICKSTOCK_DATABASE_URL``), never in the parameters, and both
outputs are checked for the password before the run counts as done. The HTML has the inputs
hidden and no external scripts (no require.js, MathJax or plotly CDN), so it opens offline.

>>> execute_notebook("notebooks/build_bars.ipynb", "out/build_bars.ipynb",
...                  {"start": "2025-01-02"}, database_url=url)          # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import Iterator, Mapping

from sqlalchemy.engine import make_url

from ..db.url import ENV_URL, redact
from ..errors import ConfigurationError, JobError, NotebookCellError

log = logging.getLogger(__name__)
_ENV_LOCK = threading.Lock()

_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""
_CONF = '{"base_template": "lab", "mimetypes": {"text/html": true}}'
_EXTERNAL_SCRIPT = re.compile(r"<script[^>]+src=[\"']https?://", re.I)


def notebooks_dir() -> Path:
    """The kit's notebooks (``TICKSTOCK_NOTEBOOKS`` overrides): package data of the installed
    kit, which in a checkout is a link to the top-level ``notebooks/`` folder."""
    env = os.environ.get("TICKSTOCK_NOTEBOOKS")
    if env:
        return Path(env)
    return Path(str(resources.files("tickstock_research") / "notebooks"))


def notebook_path(name: str) -> Path:
    path = notebooks_dir() / (name if name.endswith(".ipynb") else name + ".ipynb")
    if not path.is_file():
        raise ConfigurationError(f"notebook {path.name} not found in {notebooks_dir()}")
    return path


@contextlib.contextmanager
def kernel_environment(updates: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for kernels started inside the block (papermill starts the
    kernel as a child process, which inherits this process's environment)."""
    with _ENV_LOCK:
        saved = {k: os.environ.get(k) for k in updates}
        os.environ.update(updates)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def secrets_of(database_url: str | None) -> list[str]:
    """The strings that must never appear in outputs: the URL's password (and the full URL)."""
    if not database_url:
        return []
    url = make_url(str(database_url))
    found = [url.render_as_string(hide_password=False)] if url.password else []
    if url.password and len(url.password) >= 4:
        found.append(url.password)
    return found


def check_no_secret(path: Path, secrets: list[str]) -> None:
    """Raise JobError if ``path`` contains a secret (and blank the file, so it cannot leak)."""
    if not secrets or not path.is_file():
        return
    text = path.read_text(encoding="utf-8", errors="replace")
    if any(s in text for s in secrets):
        path.write_text("removed: this output contained the database password\n", encoding="utf-8")
        raise JobError(f"{path.name} contained the database password; the file was blanked")


def execute_notebook(template: str | Path, output: str | Path, parameters: Mapping | None = None, *,
                     database_url: str | None = None, extra_env: Mapping[str, str] | None = None,
                     kernel_name: str | None = None, timeout: int = 900, cwd: str | Path | None = None) -> Path:
    """Execute ``template`` into ``output`` with papermill.

    On a failing cell the executed notebook is kept at ``output``, the cell and error are
    logged, and :class:`NotebookCellError` is raised.
    """
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    env = dict(extra_env or {})
    if database_url:
        env[ENV_URL] = str(database_url)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env.setdefault("TICKSTOCK_NOTEBOOKS", str(notebooks_dir()))
    secrets = secrets_of(database_url)
    try:
        with kernel_environment(env), _kernel_transport() as transport:
            pm.execute_notebook(str(template), str(output), parameters=dict(parameters or {}),
                                kernel_name=kernel_name or _kernel_name(), language="python", progress_bar=False,
                                log_output=False, request_save_on_cell_execute=False,
                                execution_timeout=timeout, cwd=str(cwd) if cwd else None,
                                **transport)
    except PapermillExecutionError as exc:
        check_no_secret(output, secrets)
        first = (exc.source or "").strip().splitlines()
        log.error("notebook %s: cell %s failed (%s): %s: %s", output.name, exc.cell_index,
                  first[0] if first else "", exc.ename, redact(exc.evalue))
        raise NotebookCellError(
            f"{output.name}: cell {exc.cell_index} failed: {exc.ename}: {redact(exc.evalue)} "
            f"(failed notebook kept at {output})",
            notebook=output, cell_index=exc.cell_index, ename=exc.ename, evalue=redact(exc.evalue)) from None
    check_no_secret(output, secrets)
    return output


@contextlib.contextmanager
def _kernel_transport() -> Iterator[dict]:
    """Papermill arguments that make the kernel talk over Unix sockets (IPC) in a private
    temporary folder rather than over loopback TCP: no port is opened, only this user can
    connect, and ipykernel has no plain-text-TCP warning to print. Falls back to TCP (no
    arguments) where socket paths would be too long or the platform has no Unix sockets."""
    if os.name != "posix":
        yield {}
        return
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    with tempfile.TemporaryDirectory(prefix="tickstock-kernel-") as folder:
        if len(folder) > 80:         # sockets are <folder>/k-<port>; the limit is about 104 bytes
            yield {}
            return

        class IPCKernelManager(AsyncKernelManager):
            @default("transport")
            def _transport_default(self):
                return "ipc"

            @default("ip")
            def _ip_default(self):
                return os.path.join(folder, "k")

        yield {"kernel_manager_class": IPCKernelManager}


def _kernel_name() -> str:
    """The kernel running this interpreter: ipykernel's native ``python3`` spec resolves to
    ``sys.executable``, so the kernel sees the same installed kit."""
    return "python3"


def export_html(notebook: str | Path, html: str | Path | None = None, *, database_url: str | None = None,
                title: str | None = None) -> Path:
    """Export an executed notebook to HTML: inputs hidden, plotly.js kept inline, no CDN."""
    import nbformat
    from nbconvert import HTMLExporter

    notebook = Path(notebook)
    html = Path(html) if html else notebook.with_suffix(".html")
    nb = nbformat.read(notebook, as_version=4)
    if title:
        nb.metadata["title"] = title
    with tempfile.TemporaryDirectory(prefix="tickstock-nbconvert-") as tmp:
        tdir = Path(tmp) / "tickstock_offline"
        tdir.mkdir()
        (tdir / "index.html.j2").write_text(_TEMPLATE, encoding="utf-8")
        (tdir / "conf.json").write_text(_CONF, encoding="utf-8")
        exporter = HTMLExporter(template_name="tickstock_offline", extra_template_basedirs=[tmp],
                                exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
        body, _ = exporter.from_notebook_node(nb)
    if _EXTERNAL_SCRIPT.search(body):
        raise JobError(f"{html.name} would load a script from the network; refusing to write it")
    html.write_text(body, encoding="utf-8")
    check_no_secret(html, secrets_of(database_url))
    return html


__all__ = ["check_no_secret", "execute_notebook", "export_html", "kernel_environment", "notebook_path",
           "notebooks_dir", "secrets_of"]
