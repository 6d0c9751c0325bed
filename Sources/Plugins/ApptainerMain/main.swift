import ApptainerBackend
import PluginKit

// `sglang-forge-backend-apptainer`: the Apptainer backend as a protocol-1 plugin (docs/plugins.md).
PluginMain.run(ApptainerBackend.description, ApptainerBackend.respond)
