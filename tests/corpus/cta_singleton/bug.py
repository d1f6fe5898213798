_instance = None


class Config:
    created = 0

    def __init__(self):
        Config.created += 1


def get_config():
    global _instance
    if _instance is None:
        _instance = Config()
    return _instance


def reset():
    global _instance
    _instance = None
    Config.created = 0
