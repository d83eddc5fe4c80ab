"""The plugin's words in QGIS's language: :func:`translate`, and the translator that
QGIS's locale setting picks.

Every user-visible string of ``ui/``, ``plugin.py`` and ``processing_provider/`` is
the English source text of a ``translate("Context", "text")`` call (an algorithm's
``self.tr("text")``, or ``QT_TRANSLATE_NOOP("Context", "text")`` for a constant
translated where it is shown), always a literal, so that pylupdate finds it
(``scripts/translations.py`` writes ``i18n/*.ts`` from the code); placeholders are
filled in after translation (``translate(...).format(name=...)``; ``%n`` for a count
whose noun some languages inflect). With no translation for the user's language Qt
returns the English text as it is.

The translation of ``i18n/openeo_grid_jobs_<lang>.qm`` is chosen as QGIS chooses its
own (:meth:`QgsApplication.locale`: *Settings › Options › General › Override system
locale*, else the system's language), when the plugin loads; a change of language
applies after QGIS restarts, as QGIS's own does. ``core/`` stays English: its
messages (typed errors, the run's notices and summary) are shown as they are.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

I18N_DIR = Path(__file__).resolve().parent.parent / "i18n"
#: ``<BASENAME>_<lang>.qm``, as QGIS plugins name theirs
BASENAME = "openeo_grid_jobs"


def translate(context: str, text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """``text`` in the user's language (``QCoreApplication.translate``); ``%n`` in it
    becomes ``n``. ``context`` and ``text`` must be literals (pylupdate reads them)."""
    return str(QCoreApplication.translate(context, text, disambiguation, n))


def translation_file(locale: str) -> Path | None:
    """The plugin's compiled translation for a QGIS locale (``de``, ``de_AT``...): the
    exact one, else its language's; None when there is none (English: the source)."""
    locale = (locale or "").replace("-", "_")
    for name in (locale, locale.split("_")[0]):
        path = I18N_DIR / f"{BASENAME}_{name}.qm"
        if name and path.is_file():
            return path
    return None


def install_translator() -> QTranslator | None:
    """Load and install the translation of QGIS's locale; None when there is none.

    Keep the translator (Qt does not) and give it to :func:`remove_translator`
    when the plugin unloads."""
    path = translation_file(QgsApplication.locale())
    if path is None:
        return None
    translator = QTranslator()
    if not translator.load(str(path)):
        return None
    QCoreApplication.installTranslator(translator)
    return translator


def remove_translator(translator: QTranslator | None) -> None:
    if translator is not None:
        QCoreApplication.removeTranslator(translator)


def login_label(method: str) -> str:
    """A login method as the dock names it (``core``'s labels, in the user's language)."""
    from ..core.definitions import LoginMethod

    labels = {
        LoginMethod.NONE: translate("LoginMethod", "No login"),
        LoginMethod.BASIC: translate("LoginMethod", "User name and password"),
        LoginMethod.OIDC_DEVICE: translate("LoginMethod", "OpenID Connect (log in in a browser)"),
        LoginMethod.OIDC_CLIENT_CREDENTIALS: translate(
            "LoginMethod", "OpenID Connect service account (client id + secret)"
        ),
    }
    return labels[LoginMethod(method)]
