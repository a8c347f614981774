"""What every end-to-end test starts from: the fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.process import start_server
from tests.fake_telegram import FakeBotAPIServer, FakeTelegram


@pytest.fixture
async def server() -> AsyncIterator[tuple[FakeTelegram, FakeBotAPIServer]]:
    telegram, server = await start_server()
    yield telegram, server
    await server.stop()
