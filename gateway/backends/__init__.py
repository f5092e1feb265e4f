"""Model-server backends. Built-ins register through the same seam as any third party."""
