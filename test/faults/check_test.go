package faults

import (
	"context"
	"fmt"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/twilio-operator/twilio-operator/api/v1alpha1"
	"github.com/twilio-operator/twilio-operator/internal/twilioemu"
)

// checkTwilio compares what Twilio (the emulator) holds with the world's objects: one
// service per MessagingService with exactly its number, one brand and one campaign per
// A2PRegistration, and for deleted objects what their deletion policy promises. It
// returns the duplicates and the lost objects it found and fails on anything else.
func (w *world) checkTwilio(g Gomega, sc scale, deleted map[string]bool) (duplicates, lost int) {
	ctx := context.Background()
	services, err := w.emu.Admin.Services(account)
	g.Expect(err).NotTo(HaveOccurred())
	byName := map[string][]twilioemu.Service{}
	for _, s := range services {
		byName[s.FriendlyName] = append(byName[s.FriendlyName], s)
	}
	wantServices := 0
	serviceSIDs := map[int]string{}
	for i := range sc.services {
		want := w.messagingService(i)
		got := byName[want.Spec.FriendlyName]
		delete(byName, want.Spec.FriendlyName)
		if len(got) > 1 {
			duplicates += len(got) - 1
		}
		if deleted[want.Name] && want.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete {
			g.Expect(got).To(BeEmpty(), "%s was deleted with deletionPolicy Delete", want.Name)
			continue
		}
		wantServices++
		if len(got) == 0 {
			lost++
			continue
		}
		serviceSIDs[i] = got[0].Sid
		pool, err := w.emu.Admin.PoolNumbers(got[0].Sid)
		g.Expect(err).NotTo(HaveOccurred())
		if len(pool) != 1 || pool[0].PhoneNumber != numberOf(i) {
			lost++ // a pool membership is missing or wrong
		}
		if !deleted[want.Name] {
			live := &v1alpha1.MessagingService{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(want), live)).To(Succeed())
			g.Expect(live.Annotations[v1alpha1.SIDAnnotation]).To(Equal(got[0].Sid), "%s manages its service", want.Name)
		}
	}
	for name, orphans := range byName {
		duplicates += len(orphans) // a service no MessagingService accounts for
		g.Expect(orphans).To(BeEmpty(), "service %q belongs to no MessagingService", name)
	}
	g.Expect(services).To(HaveLen(wantServices + duplicates))

	brands, err := w.emu.Admin.Brands(account)
	g.Expect(err).NotTo(HaveOccurred())
	campaigns, err := w.emu.Admin.Campaigns(account)
	g.Expect(err).NotTo(HaveOccurred())
	wantCampaigns, brandDuplicates := 0, 0
	for j := range sc.registrations {
		want := w.registration(j)
		cp, tp := bundlesOf(j)
		var mine []twilioemu.Brand
		for _, b := range brands {
			if b.CustomerProfileBundleSid == cp && b.A2PProfileBundleSid == tp {
				mine = append(mine, b)
			}
		}
		switch {
		case len(mine) == 0:
			lost++ // brands are never deleted: Twilio cannot
			continue
		case len(mine) > 1:
			brandDuplicates += len(mine) - 1
		}
		var onService []twilioemu.Campaign
		for _, c := range campaigns {
			if c.MessagingServiceSid == serviceSIDs[j] {
				onService = append(onService, c)
			}
		}
		if deleted[want.Name] && want.Spec.DeletionPolicy == v1alpha1.DeletionPolicyDelete {
			g.Expect(onService).To(BeEmpty(), "%s was deleted with deletionPolicy Delete", want.Name)
			continue
		}
		wantCampaigns++
		if len(onService) == 0 {
			lost++
			continue
		}
		g.Expect(onService[0].BrandRegistrationSid).To(Equal(mine[0].Sid), fmt.Sprintf("%s's campaign is on its brand", want.Name))
		if !deleted[want.Name] {
			live := &v1alpha1.A2PRegistration{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(want), live)).To(Succeed())
			g.Expect(live.Annotations[v1alpha1.SIDAnnotation]).To(Equal(mine[0].Sid))
			g.Expect(live.Status.Campaigns).To(HaveLen(1))
			g.Expect(live.Status.Campaigns[0].SID).To(Equal(onService[0].Sid))
		}
	}
	g.Expect(brands).To(HaveLen(sc.registrations+brandDuplicates), "no brand that no registration accounts for")
	g.Expect(campaigns).To(HaveLen(wantCampaigns), "no campaign on a service no registration lists")
	return duplicates + brandDuplicates, lost
}
