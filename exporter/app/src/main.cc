#include "app/exporter_main.h"

int main(int argc, char** argv) { return vb365::RunExporter(argc, argv); }
