#pragma once
// Assembles one MJCF document from parts contributed by the robot and by a task.
// Collision classes (contype/conaffinity bits) are defined here, once, so that:
//   arm links and palm   collide with objects and fixtures, not with each other or the table;
//   finger pads          collide with objects, fixtures and the table, not with each other;
//   objects              collide with everything;
//   fixtures             (cabinet, drawers) collide with everything but each other;
//   table                collides with objects, fixtures and fingers.
// Bits: arm ct=2 ca=0; finger ct=4 ca=1; object ct=1 ca=3; fixture ct=8 ca=7; table ct=1 ca=1.
// Env relies on these bits to find object, fixture and pad geoms for domain randomisation.
#include <string>

namespace ocres::sim {

struct SceneOptions {
  double timestep_s = 0.002;  // physics step
  int solver_iterations = 50;
  // Elliptic friction cones and impratio > 1 hold grasped objects without creeping slip.
  bool elliptic_cones = true;
  double impratio = 10.0;
};

class SceneBuilder {
 public:
  std::string assets, defaults, worldbody, tendons, equalities, actuators, contacts, sensors;

  // The complete MJCF document.
  std::string xml(const std::string& model_name, const SceneOptions& options) const;
};

// Default class names usable by task geoms.
inline constexpr const char* kClassObject = "object";    // movable objects
inline constexpr const char* kClassFixture = "fixture";  // static or articulated furniture
inline constexpr const char* kClassVisual = "visual";    // no collision

// Formats numbers for MJCF attributes.
std::string fmt3(double a, double b, double c);
std::string fmt4(double a, double b, double c, double d);

}  // namespace ocres::sim
