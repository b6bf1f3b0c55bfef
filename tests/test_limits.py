"""Rate-limit counters live in Redis when configured, so replicas share them."""
from __future__ import annotations

import pytest
import redis

from deflect import create_app

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_store():
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis server answers on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def test_suggest_limit_is_counted_in_redis(app_config, redis_store):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": REDIS_URL})
    client = app.test_client()
    statuses = [client.get("/api/suggest?q=").status_code for _ in range(125)]
    assert statuses.count(200) == 120 and statuses[-1] == 429
    response = client.get("/api/suggest?q=")
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert any(b"api.suggest" in key for key in redis_store.keys("*"))
