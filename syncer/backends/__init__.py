"""Backend adapters behind two small contracts (see ``base``): tasks and calendar; the
config names them in ``registry``."""
