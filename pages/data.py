"""Data: upload files, see what will be stored and what is rejected, and undo any upload."""

import streamlit as st

from iif_core import report
from iif_core.extract import not_a_month_end
from iif_core.problems import InputError
from iif_core.vocabulary import LIST_KIND_WORDS, LIST_KINDS, SHAPE_WORDS
from ui import (
    demo,
    format,
    inbox,
    reads,
    reconciliation,
    run_end,
    session,
    sidebar,
    uploads,
    widgets,
)
from ui.session import Selection

HISTORY_COLUMNS = [  # the key columns first: which batch, which file, whether it is in use
    "batch_id", "file_name", "status", "holds", "stored_rows", "rejected_rows", "first_period",
    "last_period", "loaded_at_utc", "who",
]  # fmt: skip
HISTORY_CONFIG = {
    "batch_id": st.column_config.NumberColumn("Batch", format="%d"),
    "loaded_at_utc": st.column_config.DatetimeColumn("Stored (UTC)", format="DD/MM/YY HH:mm"),
    "who": st.column_config.TextColumn("By"),
    "file_name": st.column_config.TextColumn("File"),
    "holds": st.column_config.TextColumn("Holds"),
    "stored_rows": st.column_config.NumberColumn("Rows", format="%,d"),
    "rejected_rows": st.column_config.NumberColumn("Left out", format="%,d"),
    "first_period": st.column_config.DateColumn("From", format="D MMM YYYY"),
    "last_period": st.column_config.DateColumn("To", format="D MMM YYYY"),
    "status": st.column_config.TextColumn("Status"),
}
FILES_SHOWN_OPEN = 3  # up to this many uploads are shown open; more are listed closed
ROWS_SHOWN_WHOLE = 10  # a table of rejected rows this short is shown whole; longer ones scroll
REJECTED_HEIGHT = 320
PROBLEMS_SHOWN = 200  # lines of the report on screen; the download has every rejected row
HOLDS = {
    "counts": "Counts",
    "patients": "Patient list",
    "orgs": "Organisations",
    "scheme": "Scheme",
}
LIST_HOLDS = {"cohort": "Patient list (every patient)", "outstanding": "Patient list (still to do)"}
CHANGE_LABELS = {  # the columns of a table of figures replaced, or changed by undo or restore
    "practice": "Practice", "what": "What", "stored_now": "Stored now", "this_file": "This file",
    "stored_in": "Stored by", "now": "Now", "after": "After", "now_from": "Replacing",
    "after_from": "Comes back from",
}  # fmt: skip


def render_messages() -> None:
    for kind, message in st.session_state.pop(session.MESSAGES, []):
        getattr(st, kind)(format.escape_markdown(message))


def render_check(
    check: uploads.UploadCheck, expanded: bool, names: dict, current_round: int
) -> str | None:
    """One file: how it was read, a preview, its validation report, what it would replace and,
    for a patient list, what it holds; returns the kind of list chosen (None for other files or
    while unanswered)."""
    if check.ok and check.is_patient_list and not (check.list_guess and check.list_guess.kind):
        icon, verdict = ":material/help:", "say what the list holds"
    elif check.ok:
        icon, verdict = ":material/check_circle:", "ready to store"
    elif check.partly_valid:
        icon, verdict = (
            ":material/warning:",
            (
                f"{format.count(check.rows - check.valid_rows)} of "
                f"{format.plural(check.rows, 'row')} have problems"
            ),
        )
    else:
        icon, verdict = ":material/error:", "cannot be stored as it is"
    label = f"{format.escape_markdown(check.name)}: {verdict}"
    with st.expander(label, icon=icon, expanded=expanded or not check.ok):
        words = SHAPE_WORDS.get(check.shape)
        shape = words.description if words else "not recognised"
        st.markdown(f"**Read as:** {shape}")
        detail = getattr(check.staged, "detail", None)
        if detail:
            st.caption(format.escape_markdown(detail))
        if check.staged is not None:
            st.caption(
                f"{format.plural(check.rows, 'row')}, {format.count(check.valid_rows)} valid."
            )
        if len(check.preview):
            st.markdown("**The first rows, as in the file**")
            st.dataframe(check.preview, hide_index=True, placeholder="")
        if check.problems:
            st.markdown(f"**Problems ({format.count(len(check.problems))})**")
            shown = check.problems[:PROBLEMS_SHOWN]
            st.code("\n".join(shown), language=None, wrap_lines=True)
            if len(check.problems) > PROBLEMS_SHOWN:
                st.caption(f"… and {len(check.problems) - PROBLEMS_SHOWN} more.")
        if len(check.rejected):
            st.markdown(f"**Rows that would be left out ({format.count(len(check.rejected))})**")
            rejected = check.rejected.head(PROBLEMS_SHOWN)
            height = "auto" if len(rejected) <= ROWS_SHOWN_WHOLE else REJECTED_HEIGHT
            st.dataframe(rejected, hide_index=True, height=height)
            widgets.download_buttons(
                check.rejected,
                format.file_stem("rejected-rows", check.name),
                key=f"rejected_{check.path}",
                label="rejected rows",
                chosen=chosen,
            )
        list_kind = render_list_kind(check, current_round) if check.is_patient_list else None
        if check.ok or check.partly_valid:
            render_replaced(check, list_kind, names)
    return list_kind


def render_list_kind(check: uploads.UploadCheck, current_round: int) -> str | None:
    """Ask what a patient list holds, with the file's suggestion chosen (none when unclear)."""
    guess = check.list_guess
    chosen = st.radio(
        "What does this list hold?",
        LIST_KINDS,
        index=LIST_KINDS.index(guess.kind) if guess and guess.kind else None,
        format_func=lambda kind: LIST_KIND_WORDS[kind][0].upper() + LIST_KIND_WORDS[kind][1:],
        key=f"list_kind_{current_round}_{check.path}",
    )
    if guess is not None:
        lead = "Unclear from the file: please say." if guess.kind is None else "From the file:"
        st.caption(f"{lead} {format.escape_markdown(guess.reason)}")
    return chosen


def render_replaced(check: uploads.UploadCheck, list_kind: str | None, names: dict) -> None:
    """The stored figures and patient lists the file would replace, old and new side by side."""
    if check.is_patient_list and list_kind is None:
        st.caption("Say what the list holds to see which stored figures it would replace.")
        return
    replaced = check.replaced(list_kind, names)
    if replaced.empty:
        st.caption("It replaces no stored figures: everything in it is new.")
        return
    changed = int((~replaced["same"]).sum())
    st.markdown(
        f"**It would replace {format.count(len(replaced))} stored "
        f"{'entry' if len(replaced) == 1 else 'entries'}** ({format.count(changed)} with "
        "different figures); the stored ones stay in the history and come back if it is undone."
    )
    change_table(
        replaced.drop(columns=["same", "practice_code"]), f"replaced_{check.path}_{list_kind}"
    )


def change_table(shown, key: str) -> None:
    """A table of figures replaced or changed, whole when short, scrolling when long."""
    st.dataframe(
        shown,
        hide_index=True,
        column_config=widgets.table_config(shown.columns, CHANGE_LABELS),
        height="auto" if len(shown) <= ROWS_SHOWN_WHOLE else REJECTED_HEIGHT,
        key=key,
    )


def render_upload(chosen: Selection, current_round: int, names: dict) -> None:
    st.subheader("Upload")
    st.markdown(
        "Drop this month's files here: achievement extracts (one for the network or one per "
        "practice, from EMIS, SystmOne or NHS Digital), patient-level lists, an organisation "
        "file or a scheme file. CSV, Excel or TOML; several at once. Nothing is stored until you "
        "say so, and any upload can be undone."
    )
    files = st.file_uploader(
        "Files to upload",
        type=["csv", "xlsx", "toml"],
        accept_multiple_files=True,
        key=f"uploader_{current_round}",
    )
    if not files:
        return
    with st.expander("Files without a period end"):
        period_end = st.date_input(
            "Period end for files that do not say which period they are",
            value=None,
            key=f"upload_period_{current_round}",
            format="DD/MM/YYYY",
            help="The achievement date of the extract, e.g. 31/10/2026. Leave empty when the "
            "files have a period end column.",
        )
    if period_end is not None and (problem := not_a_month_end(period_end)):
        st.error(f"{problem} Files that use it are not stored until it is one.")
    checks = [uploads.check_upload(f, period_end) for f in files]
    open_all = len(checks) <= FILES_SHOWN_OPEN
    list_kinds = {c.path: render_check(c, open_all, names, current_round) for c in checks}
    storable = [c for c in checks if c.ok or c.partly_valid]
    partly = [c for c in checks if c.partly_valid]
    accept_valid = False
    if partly:
        accept_valid = st.checkbox(
            f"Store the valid rows of the {format.plural(len(partly), 'file')} with problems and "
            "leave out the "
            "rows listed above",
            key=f"accept_valid_{current_round}",
        )
    unanswered = [c for c in storable if c.is_patient_list and list_kinds[c.path] is None]
    ready = [c for c in storable if (c.ok or accept_valid) and c not in unanswered]
    replacing = sum(len(c.replaced(list_kinds[c.path])) for c in ready)
    confirmed = True
    if replacing:
        confirmed = st.checkbox(
            f"Replace the {format.count(replacing)} stored "
            f"{'entry' if replacing == 1 else 'entries'} shown above",
            key=f"confirm_replace_{current_round}",
            help="The figures stored now stay in the upload history; undoing this upload brings "
            "them back.",
        )
    who = sidebar.who_input(
        chosen, "Your name or initials (kept in the upload history)", session.WHO
    )
    buttons = st.container(horizontal=True)
    store_clicked = buttons.button(
        f"Store {format.plural(len(ready), 'file')}",
        type="primary",
        disabled=not ready or not confirmed,
        key=f"store_{current_round}",
        icon=":material/save:",
    )
    cancel_clicked = buttons.button("Cancel", key=f"cancel_{current_round}")
    if unanswered:
        named = ", ".join(format.escape_markdown(c.name) for c in unanswered)
        st.caption(f"Say what the patient list holds before storing it: {named}.")
    elif not ready:
        st.caption("Nothing can be stored yet: fix the files, or accept only their valid rows.")
    elif not confirmed:
        st.caption("Tick the box above to replace the stored figures it shows.")
    if store_clicked:
        st.session_state[session.MESSAGES] = uploads.store_uploads(
            ready, who, accept_valid, period_end, list_kinds
        )
        st.rerun()
    if cancel_clicked:
        uploads.forget_uploads()
        st.session_state[session.MESSAGES] = [("info", "Cancelled: nothing was stored.")]
        st.rerun()


def render_history(chosen: Selection, names: dict) -> None:
    st.subheader("Upload history")
    batches = reads.batches(chosen.path, chosen.version)
    if batches.empty:
        st.info("Nothing has been stored yet.")
        return
    if chosen.demo:
        st.markdown(
            "The **demo data** is in use. Remove it to see only your own files (you can upload "
            "the demo files from the project's sample_data folder again at any time)."
        )
        if st.button("Remove the demo data", key="remove_demo", icon=":material/delete:"):
            try:
                said = demo.remove_demo(reads.store(), batches)
                st.session_state[session.MESSAGES] = [("success", s) for s in said]
            except InputError as error:
                st.session_state[session.MESSAGES] = [("error", str(error))]
            st.rerun()
    batches = batches.assign(holds=[_holds(r.kind, r.list_kind) for r in batches.itertuples()])
    # who stored each file, on screen only when more than one person has (always in the download)
    shown = [c for c in HISTORY_COLUMNS if c != "who" or batches["who"].nunique() > 1]
    st.dataframe(
        batches[shown],
        hide_index=True,
        column_config=HISTORY_CONFIG,
        key="history_table",
        placeholder=format.MISSING,
    )
    widgets.download_buttons(
        batches[HISTORY_COLUMNS],
        "iif-upload-history",
        key="history_download",
        label="history",
        chosen=chosen,
    )
    render_undo(chosen, batches, "undo", names)
    render_undo(chosen, batches, "restore", names)


def _holds(kind: str, list_kind) -> str:
    return LIST_HOLDS.get(list_kind, HOLDS.get(kind, kind)) if kind == "patients" else HOLDS[kind]


def render_undo(chosen: Selection, batches, action: str, names: dict) -> None:
    """Undo an upload, or restore an undone one: choose it, see what would change, confirm."""
    undoing = action == "undo"
    candidates = batches[batches["undone"] != undoing]
    if candidates.empty:
        return
    version = f"{chosen.version[0]}_{chosen.version[1]}"
    st.subheader("Undo an upload" if undoing else "Restore an undone upload")
    labels = {
        int(row.batch_id): f"Batch {row.batch_id}: {row.file_name} ({row.status})"
        for row in candidates.itertuples()
    }
    batch_id = st.selectbox(
        "Upload to undo" if undoing else "Undone upload to restore",
        list(labels),
        format_func=labels.get,
        key=f"{action}_batch_{version}",
        help="Undoing an upload brings back what it replaced; it stays in the history and can be "
        "restored."
        if undoing
        else "Restoring an upload puts what it holds back in use, except figures that later "
        "uploads have replaced since.",
    )
    change = reads.batch_change(chosen.path, chosen.version, int(batch_id))
    file_names = dict(zip(batches["batch_id"].astype(int), batches["file_name"], strict=True))
    view = report.batch_change_view(change.counts, change.lists, file_names, names)
    # The batch itself is "now" when undoing it and "after" when restoring it: say the other.
    shown = view.rows.drop(columns=["practice_code", "now_from" if undoing else "after_from"])
    verb = "Undoing" if undoing else "Restoring"
    name = format.escape_markdown(change.file_name)
    if view.changed:
        listed = "" if len(shown) == view.changed else f" (the first {format.count(len(shown))})"
        st.markdown(
            f"{verb} batch {change.batch_id} ({name}) would change "
            f"{format.count(view.changed)} {'entry' if view.changed == 1 else 'entries'} in use"
            f"{listed}:"
        )
        change_table(shown, f"{action}_change_{version}_{batch_id}")
    elif change.sentence:
        st.markdown(f"{verb} batch {change.batch_id} ({name}): {change.sentence}")
    else:
        st.markdown(
            f"{verb} batch {change.batch_id} ({name}) changes no figure in use: later uploads, "
            "or uploads with the same numbers, hold them."
        )
    if view.same:
        st.caption(
            f"{format.count(view.same)} of its figures would stay as they are, held by "
            "another upload with the same numbers."
        )
    sure = st.checkbox(
        f"Yes, {action} batch {change.batch_id} ({name})",
        key=f"{action}_sure_{version}_{batch_id}",
    )
    if st.button(
        f"{action.capitalize()} batch {change.batch_id}",
        key=f"{action}_button",
        icon=":material/undo:" if undoing else ":material/redo:",
        disabled=not sure,
    ):
        who = chosen.scope.user or st.session_state.get(session.WHO) or None
        try:
            store = reads.store()
            said = (
                store.undo(change.batch_id, who) if undoing else store.restore(change.batch_id, who)
            )
            st.session_state[session.MESSAGES] = [("success", said)]
        except InputError as error:
            st.session_state[session.MESSAGES] = [("error", str(error))]
        st.rerun()


chosen = sidebar.manager_selection("Data")
sidebar.page_header("Data", chosen, org=False, labels=False)
if chosen.problem:
    run_end.stop()
render_messages()
practice_names = report.practice_names(reads.orgs(chosen.path, chosen.version, chosen.scope))
render_upload(chosen, st.session_state.get(uploads.UPLOAD_ROUND, 0), practice_names)
inbox.render()
reconciliation.render(chosen)
render_history(chosen, practice_names)
