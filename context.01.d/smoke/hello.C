// binfarm smoke test of the hep-root layer: `root -l -b -q hello.C`.
// Fills a histogram from a unit Gaussian, fits it, and checks the fitted width, so a ROOT
// that starts but cannot JIT, fit or draw into memory fails the subject.
void hello()
{
   TH1D h("h", "unit gaussian", 100, -5., 5.);
   gRandom->SetSeed(4242);
   h.FillRandom("gaus", 20000);
   TFitResultPtr r = h.Fit("gaus", "QS0");
   const double sigma = r->Parameter(2);
   if (r->Status() != 0 || std::abs(sigma - 1.) > 0.05) {
      printf("binfarm-root-fail status=%d sigma=%g\n", r->Status(), sigma);
      gSystem->Exit(1);
   }
   printf("binfarm-root-ok ROOT %s sigma=%.3f\n", gROOT->GetVersion(), sigma);
}
