// A volunteer's page: the entry, its status (with the in-charge's reason for a rejection),
// its history in IST, a correction to resubmit, and a withdrawal behind a confirmation.
package org.mitan.demo

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import org.mitan.ffi.InvalidCode
import org.mitan.ffi.VolunteerDetail
import org.mitan.ffi.VolunteerEdit
import org.mitan.shared.IstTime
import org.mitan.shared.VolunteerPage
import org.mitan.shared.VolunteerViewModel

@Composable
fun VolunteerScreen(model: VolunteerViewModel, onBack: () -> Unit) {
    val page = model.page.watch()
    val errors = model.errors.watch()
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        TextButton(onClick = onBack) { Text(stringResource(R.string.back)) }
        when (page) {
            VolunteerPage.Loading -> {}
            VolunteerPage.Withdrawn -> Text(stringResource(R.string.volunteer_withdrawn))
            is VolunteerPage.Failed -> Text(stringResource(R.string.volunteer_failed, page.error.message ?: ""), color = MaterialTheme.colorScheme.error)
            is VolunteerPage.Showing -> Showing(model, page, errors)
        }
    }
    if (model.confirmingWithdrawal.watch()) {
        AlertDialog(
            onDismissRequest = model::cancelWithdrawal,
            title = { Text(stringResource(R.string.withdraw_confirm_title)) },
            text = { Text(stringResource(R.string.withdraw_confirm_body)) },
            confirmButton = { TextButton(onClick = { model.confirmWithdrawal() }) { Text(stringResource(R.string.withdraw_confirm_yes)) } },
            dismissButton = { TextButton(onClick = model::cancelWithdrawal) { Text(stringResource(R.string.withdraw_confirm_no)) } },
        )
    }
}

@Composable
private fun Showing(model: VolunteerViewModel, page: VolunteerPage.Showing, errors: Map<String, InvalidCode>) {
    val detail = page.detail
    Text(detail.nameDevanagari ?: detail.nameLatin ?: detail.volunteerId, style = MaterialTheme.typography.titleLarge,
        modifier = Modifier.semantics { heading() })
    val hindi = speaksHindi()
    Details(detail, model.village(detail.village)?.let { villageName(it, hindi) } ?: detail.village)
    model.rejectionReason()?.let {
        Text(stringResource(R.string.volunteer_rejected_reason, it), color = MaterialTheme.colorScheme.error,
            modifier = Modifier.padding(vertical = 8.dp))
    }
    if (model.resubmitted.watch()) Text(stringResource(R.string.volunteer_resubmitted))
    val correction = page.correction
    if (correction == null) {
        Row(Modifier.padding(vertical = 8.dp)) {
            if (!detail.sealed) {
                OutlinedButton(onClick = { model.correct("") { it } }, Modifier.padding(end = 8.dp)) {
                    Text(stringResource(R.string.volunteer_correct))
                }
            }
            OutlinedButton(onClick = model::askToWithdraw) { Text(stringResource(R.string.volunteer_withdraw)) }
        }
    } else {
        Correction(model, detail, correction, errors)
    }
    Text(stringResource(R.string.volunteer_history), style = MaterialTheme.typography.titleMedium,
        modifier = Modifier.padding(top = 12.dp).semantics { heading() })
    for (change in page.history) {
        Text(stringResource(R.string.history_line, IstTime.dateTime(change.deviceClockMs), stringResource(actionText(change.action)), change.badge))
    }
}

@Composable
private fun Details(detail: VolunteerDetail, village: String) {
    Text(statusText(detail.status))
    listOfNotNull(detail.nameLatin, detail.phone, detail.household).forEach { Text(it) }
    Text("${fieldLabel("village")}: $village · ${fieldLabel("beat")}: ${detail.beat}")
    Text("${fieldLabel("programmes")}: ${detail.programmes.map { programmeName(it) }.joinToString()}")
    Text(stringResource(R.string.volunteer_enrolled, detail.enrolledBy, IstTime.date(detail.enrolledAtMs)))
}

/** The fields a rejection usually asks to fix; an empty field leaves the entry's value. */
@Composable
private fun Correction(model: VolunteerViewModel, detail: VolunteerDetail, edit: VolunteerEdit, errors: Map<String, InvalidCode>) {
    FormField("name_devanagari", edit.nameDevanagari ?: detail.nameDevanagari ?: "", errors) { text ->
        model.correct("name_devanagari") { it.copy(nameDevanagari = text) }
    }
    FormField("name_latin", edit.nameLatin ?: detail.nameLatin ?: "", errors) { text ->
        model.correct("name_latin") { it.copy(nameLatin = text) }
    }
    FormField("phone", edit.phone ?: detail.phone ?: "", errors, KeyboardType.Phone) { text ->
        model.correct("phone") { it.copy(phone = text) }
    }
    FormField("household", edit.household ?: detail.household ?: "", errors) { text ->
        model.correct("household") { it.copy(household = text) }
    }
    val villages = model.villages.watch()
    val chosen = edit.villageLgd ?: detail.village
    val hindi = speaksHindi()
    Picker(fieldLabel("village"), model.village(chosen)?.let { villageName(it, hindi) } ?: chosen, villages, { villageName(it, hindi) }, errors["village"]) { village ->
        model.correct("village") { it.copy(villageLgd = village.lgdCode) }
    }
    Row(Modifier.padding(vertical = 8.dp)) {
        Button(onClick = { model.resubmit() }, Modifier.padding(end = 8.dp)) { Text(stringResource(R.string.volunteer_resubmit)) }
        OutlinedButton(onClick = model::cancelCorrection) { Text(stringResource(R.string.volunteer_cancel)) }
    }
}
