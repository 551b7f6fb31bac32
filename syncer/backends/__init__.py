"""Backend adapters behind two small protocols (see ``base``): tasks and calendar."""
