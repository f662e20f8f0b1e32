from portal.core import db
from tests.conftest import login
from tests.support.factories import build_world


async def test_pages_render_for_file_holder(client):
    world = await build_world()
    await login(client, "sw.a")
    for url in ["/", "/clients", f"/clients/{world.clients['X']}", "/who-sees-what"]:
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text[:2000])


async def test_postgresql_compiles_no_statement_on_the_fly(client):
    """JIT compiling cost more than the pages' statements take to run (``db.SERVER_SETTINGS``);
    the pool's connections and a transaction's both have it off."""
    if db.is_sqlite():
        assert [row["one"] for row in await db.run_sql("SELECT 1 AS one")] == [1]
        return
    assert [row["jit"] for row in await db.run_sql("SHOW jit")] == ["off"]
    async with db.unit_of_work():
        assert [row["jit"] for row in await db.run_sql("SHOW jit")] == ["off"]
