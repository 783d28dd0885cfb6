"""gunicorn's access log with secret link tokens masked (see logfilters.py).

Used by the Docker image: ``--logger-class bin_platform.gunicorn_logging.MaskingLogger``.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from bin_platform.logfilters import mask


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        # Request line, path, referer and the environ atoms can all carry a
        # personal link: mask every text atom.
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask(v) if isinstance(v, str) else v for key, v in atoms.items()}
