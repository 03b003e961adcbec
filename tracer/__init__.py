"""tracer: find copy-paste reuse across news articles and trace where it came from.

Importing the package stays light: heavy modules (numpy, datasketch, rapidfuzz,
networkx, trafilatura) are imported by the stage modules that use them.
"""

__version__ = "0.1.0"
