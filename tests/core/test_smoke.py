from tests.conftest import login
from tests.support.factories import build_world


async def test_pages_render_for_file_holder(client):
    world = await build_world()
    await login(client, "sw.a")
    for url in ["/", "/clients", f"/clients/{world.clients['X']}", "/who-sees-what"]:
        response = await client.get(url)
        assert response.status_code == 200, (url, response.text[:2000])
