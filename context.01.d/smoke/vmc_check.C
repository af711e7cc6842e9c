// binfarm smoke test of the mc-sim-vmc layer: ROOT loads VMC and geant4_vmc.
// gSystem->Load returns 0 (loaded), 1 (already loaded), <0 (not found or version mismatch).
void vmc_check()
{
   const char *libs[] = {"libVMCLibrary", "libgeant4vmc"};
   for (const char *lib : libs) {
      const int rc = gSystem->Load(lib);
      if (rc < 0) {
         printf("binfarm-vmc-fail: cannot load %s (rc=%d)\n", lib, rc);
         gSystem->Exit(1);
      }
   }
   printf("binfarm-vmc-ok ROOT %s\n", gROOT->GetVersion());
}
