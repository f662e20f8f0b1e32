"""Files' lives in the demo: the files the plan closed are closed (with the reason their story
tells), one Zottegem file waits for Gent to accept its transfer and one transfer Gent refused.

Told last but for the inboxes, once every other story wrote what it writes on the files: a closed
file takes no entry any more. The transfers take two open files of Sofie (sw.zottegem) that are
not Amina Haidari's (the showcase) and that no other story names.
"""

from __future__ import annotations

import datetime as dt
import random

from portal.clients.closing import close_file
from portal.clients.tables import Client
from portal.demo import plan
from portal.demo.accounts import GENT
from portal.transfers.services import propose, refuse
from portal.visibility.scoping import unscoped
from portal.visibility.viewer import Viewer

PENDING_NOTE = (
    "{first} verhuist op 1 januari naar Gent (Brugse Poort). Afsprakennota loopt tot juni; NT2"
    " niveau 1.2 behaald, volgende module start in februari. Opleidingsaanvraag bij VDAB nog"
    " lopend: graag opvolgen met VDAB Gent. Toestemming voor VDAB opnieuw vragen."
)
REFUSED_NOTE = (
    "{first} gaat inwonen bij familie in Gent. Lopend traject: oriënterende stage in de"
    " kringwinkel, trede 3."
)
REFUSAL = (
    "{first} staat volgens het rijksregister nog in Zottegem ingeschreven. Graag opnieuw"
    " voorstellen zodra de adreswijziging verwerkt is."
)
MOVED = "verhuisd"


def _reason(closing: str) -> str:
    return "moved" if closing.startswith(MOVED) else "outflow_work"


async def tell(actors: dict[str, Viewer], files: dict[str, int]) -> None:
    demo_clients = plan.world(random.Random(plan.SEED))  # noqa: S311 (demo data, not secrets)
    for client in demo_clients:
        if client.status == "closed":
            client_id = files[f"{client.first_name} {client.last_name}"]
            holder = actors[client.social_worker]
            await close_file(
                holder,
                client_id,
                {"reason": _reason(client.closing), "note": client.closing},
                at=await _after_last_entry(client_id),
            )
    candidates = [
        client
        for client in demo_clients[1:]
        if client.social_worker == "sw.zottegem" and client.status == "activation"
    ]
    holder, receiver = actors["sw.zottegem"], actors["sw.gent"]
    pending, refused = candidates[0], candidates[1]
    await propose(
        holder,
        files[f"{pending.first_name} {pending.last_name}"],
        {"to": GENT, "note": PENDING_NOTE.format(first=pending.first_name)},
    )
    transfer_id = await propose(
        holder,
        files[f"{refused.first_name} {refused.last_name}"],
        {"to": GENT, "note": REFUSED_NOTE.format(first=refused.first_name)},
    )
    await refuse(receiver, transfer_id, {"reason": REFUSAL.format(first=refused.first_name)})


async def _after_last_entry(client_id: int) -> dt.datetime:
    with unscoped("demo: a closed file closes after its last entry"):
        row = await Client.select(Client.last_activity_at).where(Client.id == client_id).first()
    last = row["last_activity_at"] if row else None
    return (last or dt.datetime.now(dt.UTC)) + dt.timedelta(minutes=1)
