// binfarm smoke test of the mc-gen layer: generate a few hard-QCD events with Pythia 8.
#include "Pythia8/Pythia.h"
#include <iostream>

int main()
{
   Pythia8::Pythia pythia;
   pythia.readString("Beams:eCM = 13600.");
   pythia.readString("HardQCD:all = on");
   pythia.readString("PhaseSpace:pTHatMin = 20.");
   pythia.readString("Next:numberCount = 0");
   pythia.readString("Random:setSeed = on");
   pythia.readString("Random:seed = 4242");
   if (!pythia.init()) {
      std::cerr << "pythia-fail: init\n";
      return 1;
   }
   int accepted = 0;
   for (int i = 0; i < 20; ++i)
      if (pythia.next()) ++accepted;
   if (accepted < 15) {
      std::cerr << "pythia-fail: only " << accepted << " of 20 events\n";
      return 1;
   }
   std::cout << "pythia-ok events=" << accepted << " sigma=" << pythia.info.sigmaGen() << " mb\n";
   return 0;
}
