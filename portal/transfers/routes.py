"""Transfers: proposing one from the client page, the list of both sides, and answering."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect

from portal.clients import changes
from portal.clients.workflow import STATUS_BY_CODE
from portal.core.forms import read_form
from portal.core.params import RecordId
from portal.core.templating import render
from portal.transfers import services
from portal.visibility.viewer import Viewer


@post("/clients/{client_id:int}/transfer", status_code=303)
async def propose(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str] | Redirect:
    """The file holder proposes a transfer: ``to`` (an OCMW's code), ``note``, ``hand_over``."""
    form = await read_form(request)
    try:
        await services.propose(viewer, client_id, form)
    except changes.NotAllowed:
        raise PermissionDeniedException() from None
    except changes.Invalid as invalid:
        return await _proposal_page(request, viewer, client_id, invalid.errors, form)
    return Redirect(f"/clients/{client_id}?done=transfer#transfer", status_code=303)


@get("/clients/{client_id:int}/transfer", name="transfer_form")
async def proposal_form(
    request: Request, viewer: NamedDependency[Viewer], client_id: RecordId
) -> Response[str]:
    """The file holder's proposal form (loaded on request: the file's page stays light)."""
    return await _proposal_page(request, viewer, client_id, {}, FormMultiDict())


async def _proposal_page(
    request: Request,
    viewer: Viewer,
    client_id: int,
    errors: dict[str, str],
    form: FormMultiDict,
) -> Response[str]:
    try:
        proposal = await services.proposal_for(viewer, client_id)
    except changes.NotAllowed:
        raise PermissionDeniedException() from None
    typed = {key: str(value) for key, value in form.items()}
    typed["hand_over"] = ",".join(services.many(form, "hand_over"))
    return render(
        request,
        "transfers/propose.html",
        {"proposal": proposal, "errors": errors, "typed": typed},
        status_code=422 if errors else 200,
    )


@get("/transfers", name="transfers")
async def transfer_list(request: Request, viewer: NamedDependency[Viewer]) -> Response[str]:
    """Both sides' transfers: waiting for the viewer's OCMW, proposed by it, refused, moved."""
    lists = await services.transfers_for(viewer)
    return render(request, "transfers/index.html", {"lists": lists})


@get("/transfers/{transfer_id:int}", name="transfer")
async def transfer_page(
    request: Request, viewer: NamedDependency[Viewer], transfer_id: RecordId
) -> Response[str]:
    page = await services.transfer_page(viewer, transfer_id)
    done = request.query_params.get("done", "")
    return render(
        request,
        "transfers/detail.html",
        {"page": page, "errors": {}, "typed": {}, "done": done, "statuses": STATUS_BY_CODE},
    )


async def _answer(
    request: Request, viewer: Viewer, transfer_id: int, action: str
) -> Response[str] | Redirect:
    form = await read_form(request)
    try:
        if action == "accept":
            client_id = await services.accept(viewer, transfer_id)
            return Redirect(f"/clients/{client_id}?done=transfer-accepted", status_code=303)
        if action == "refuse":
            await services.refuse(viewer, transfer_id, form)
        else:
            await services.withdraw(viewer, transfer_id, form)
    except changes.NotAllowed:
        raise PermissionDeniedException() from None
    except changes.Invalid as invalid:
        page = await services.transfer_page(viewer, transfer_id)
        typed = {key: str(value) for key, value in form.items()}
        return render(
            request,
            "transfers/detail.html",
            {
                "page": page,
                "errors": invalid.errors,
                "typed": typed | {"form": action},
                "done": "",
                "statuses": STATUS_BY_CODE,
            },
            status_code=422,
        )
    return Redirect(f"/transfers/{transfer_id}?done={action}", status_code=303)


@post("/transfers/{transfer_id:int}/accept", status_code=303)
async def accept(
    request: Request, viewer: NamedDependency[Viewer], transfer_id: RecordId
) -> Response[str] | Redirect:
    """A social worker of the receiving OCMW takes the file: they become its file holder."""
    return await _answer(request, viewer, transfer_id, "accept")


@post("/transfers/{transfer_id:int}/refuse", status_code=303)
async def refuse(
    request: Request, viewer: NamedDependency[Viewer], transfer_id: RecordId
) -> Response[str] | Redirect:
    """The receiving OCMW refuses, with a ``reason``."""
    return await _answer(request, viewer, transfer_id, "refuse")


@post("/transfers/{transfer_id:int}/withdraw", status_code=303)
async def withdraw(
    request: Request, viewer: NamedDependency[Viewer], transfer_id: RecordId
) -> Response[str] | Redirect:
    """The proposing file holder withdraws a transfer still waiting."""
    return await _answer(request, viewer, transfer_id, "withdraw")


route_handlers = [propose, proposal_form, transfer_list, transfer_page, accept, refuse, withdraw]
