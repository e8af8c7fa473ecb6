// androidx ViewModels around the shared view-models: they live through rotation, run on
// viewModelScope (Rust calls go to the IO dispatcher inside the repository), and keep what
// was typed in the SavedStateHandle, so a process killed in the background loses nothing.
package org.mitan.demo

import android.app.Application
import androidx.lifecycle.AndroidViewModel
import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.viewModelScope
import org.mitan.shared.CameraViewModel
import org.mitan.shared.EnrolmentViewModel
import org.mitan.shared.MitanRepository
import org.mitan.shared.RegistrationViewModel
import org.mitan.shared.RosterViewModel
import org.mitan.shared.SavedValues
import org.mitan.shared.VolunteerViewModel

/** [SavedValues] in a [SavedStateHandle]. */
class HandleValues(private val handle: SavedStateHandle) : SavedValues {
    override fun get(key: String): String? = handle.get<String>(key)

    override fun set(key: String, value: String?) {
        if (value == null) handle.remove<String>(key) else handle[key] = value
    }
}

class RegistrationScreenModel(application: Application, handle: SavedStateHandle) : AndroidViewModel(application) {
    private val app = application as MitanApp
    val model = RegistrationViewModel(viewModelScope, app.filesDir, app.vault, HandleValues(handle))
}

/** The enrolment form, the roster and the beat's cameras, for one opened repository. */
class PhoneScreenModel(application: Application, handle: SavedStateHandle) : AndroidViewModel(application) {
    private val values = HandleValues(handle)
    private var repository: MitanRepository? = null
    var enrolment: EnrolmentViewModel? = null
        private set
    var roster: RosterViewModel? = null
        private set

    /** The camera form and list; its saved values are kept under keys of their own (`camera.`). */
    var cameras: CameraViewModel? = null
        private set

    /** Binds the models to [opened] once; later calls with the same repository keep them. */
    fun bind(opened: MitanRepository) {
        if (repository === opened) return
        repository = opened
        enrolment = EnrolmentViewModel(opened, viewModelScope, values)
        roster = RosterViewModel(opened, viewModelScope).also { it.refresh() }
        cameras = CameraViewModel(opened, viewModelScope, values)
    }
}

class VolunteerScreenModel(application: Application, private val handle: SavedStateHandle) : AndroidViewModel(application) {
    private var bound: VolunteerViewModel? = null

    /** The page of [volunteerId] on [repository], kept across rotation. */
    fun page(repository: MitanRepository, volunteerId: String): VolunteerViewModel {
        bound?.takeIf { it.volunteerId == volunteerId }?.let { return it }
        return VolunteerViewModel(repository, viewModelScope, volunteerId, HandleValues(handle)).also {
            bound = it
            it.load()
        }
    }
}
