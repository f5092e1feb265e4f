"""The prompt studio's page (/prompts): the library, a prompt's versions and labels, its cases, runs and
optimisations (``workbench.prompt_studio``)."""
