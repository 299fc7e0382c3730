"""Data: upload files, see what will be stored and what is rejected, and undo any upload."""

import streamlit as st

from iif_core.problems import InputError
from iif_core.vocabulary import SHAPE_WORDS
from ui import demo, format, reads, run_end, session, sidebar, uploads, widgets
from ui.session import Selection

HISTORY_COLUMNS = [
    "batch_id", "loaded_at_utc", "who", "file_name", "kind", "stored_rows", "rejected_rows",
    "first_period", "last_period", "status",
]  # fmt: skip
HISTORY_CONFIG = {
    "batch_id": st.column_config.NumberColumn("Batch", format="%d"),
    "loaded_at_utc": st.column_config.DatetimeColumn("Stored (UTC)", format="D MMM YYYY, HH:mm"),
    "who": st.column_config.TextColumn("By"),
    "file_name": st.column_config.TextColumn("File"),
    "kind": st.column_config.TextColumn("Holds"),
    "stored_rows": st.column_config.NumberColumn("Rows stored", format="%,d"),
    "rejected_rows": st.column_config.NumberColumn("Rows left out", format="%,d"),
    "first_period": st.column_config.DateColumn("From", format="D MMM YYYY"),
    "last_period": st.column_config.DateColumn("To", format="D MMM YYYY"),
    "status": st.column_config.TextColumn("Status"),
}
FILES_SHOWN_OPEN = 3  # up to this many uploads are shown open; more are listed closed
ROWS_SHOWN_WHOLE = 10  # a table of rejected rows this short is shown whole; longer ones scroll
REJECTED_HEIGHT = 320
PROBLEMS_SHOWN = 200  # lines of the report on screen; the download has every rejected row


def render_messages() -> None:
    for kind, message in st.session_state.pop(session.MESSAGES, []):
        getattr(st, kind)(format.escape_markdown(message))


def render_check(check: uploads.UploadCheck, expanded: bool) -> None:
    """One file: how it was read, a preview, and its validation report."""
    if check.ok:
        icon, verdict = ":material/check_circle:", "ready to store"
    elif check.partly_valid:
        icon, verdict = (
            ":material/warning:",
            (
                f"{format.count(check.rows - check.valid_rows)} of {format.count(check.rows)} rows "
                "have problems"
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
            st.caption(f"{format.count(check.rows)} rows, {format.count(check.valid_rows)} valid.")
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
            )


def render_upload(current_round: int) -> None:
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
    checks = [uploads.check_upload(f, period_end) for f in files]
    for check in checks:
        render_check(check, expanded=len(checks) <= FILES_SHOWN_OPEN)
    storable = [c for c in checks if c.ok or c.partly_valid]
    partly = [c for c in checks if c.partly_valid]
    accept_valid = False
    if partly:
        accept_valid = st.checkbox(
            f"Store the valid rows of the {len(partly)} file(s) with problems and leave out the "
            "rows listed above",
            key=f"accept_valid_{current_round}",
        )
    ready = [c for c in storable if c.ok or accept_valid]
    who = st.text_input(
        "Your name or initials (kept in the upload history)", key=session.WHO, max_chars=80
    )
    buttons = st.container(horizontal=True)
    store_clicked = buttons.button(
        f"Store {len(ready)} file(s)",
        type="primary",
        disabled=not ready,
        key=f"store_{current_round}",
        icon=":material/save:",
    )
    cancel_clicked = buttons.button("Cancel", key=f"cancel_{current_round}")
    if not ready:
        st.caption("Nothing can be stored yet: fix the files, or accept only their valid rows.")
    if store_clicked:
        st.session_state[session.MESSAGES] = uploads.store_uploads(
            ready, who, accept_valid, period_end
        )
        st.rerun()
    if cancel_clicked:
        uploads.forget_uploads()
        st.session_state[session.MESSAGES] = [("info", "Cancelled: nothing was stored.")]
        st.rerun()


def render_history(chosen: Selection) -> None:
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
    st.dataframe(
        batches[HISTORY_COLUMNS],
        hide_index=True,
        column_config=HISTORY_CONFIG,
        key="history_table",
        placeholder=format.MISSING,
    )
    widgets.download_buttons(
        batches[HISTORY_COLUMNS], "iif-upload-history", key="history_download", label="history"
    )
    undoable = batches[~batches["undone"]]
    if undoable.empty:
        return
    labels = {
        int(row.batch_id): f"Batch {row.batch_id}: {row.file_name} ({row.status})"
        for row in undoable.itertuples()
    }
    row = st.container(horizontal=True, vertical_alignment="bottom")
    batch_id = row.selectbox(
        "Undo an upload",
        list(labels),
        format_func=labels.get,
        key=f"undo_batch_{chosen.version[0]}_{chosen.version[1]}",
        help="Undoing a batch brings back what it replaced. It stays in the history.",
    )
    if row.button("Undo", key="undo_button", icon=":material/undo:"):
        try:
            said = reads.store().undo(int(batch_id), who=st.session_state.get(session.WHO) or None)
            st.session_state[session.MESSAGES] = [("success", said)]
        except InputError as error:
            st.session_state[session.MESSAGES] = [("error", str(error))]
        st.rerun()


chosen = sidebar.selection()
sidebar.page_header("Data", chosen, org=False, labels=False)
if chosen.problem:
    run_end.stop()
render_messages()
render_upload(st.session_state.get(uploads.UPLOAD_ROUND, 0))
render_history(chosen)
