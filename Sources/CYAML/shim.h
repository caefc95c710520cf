// The system libyaml (Debian: libyaml-dev). Only Sources/YAML imports this module.
#include <yaml.h>
